// One generation from the checked request to its answer, shared by POST /generate and
// POST /generate/stream: admission (a 503 unless the model's engine is ready), the request's signal
// (the client going away, REQUEST_TIMEOUT_MS), the encode of its image, its samples, and its answer.
// Every image is counted once in purrception_samples_total: done only once its answer is rendered.
import type { FastifyReply } from 'fastify';
import type { ServedModel } from '../engine/lifecycle.js';
import type { ProgressEvent, SampleRequest, SampleResult } from '../engine/protocol.js';
import { requestSignal } from './cancellation.js';
import type { ServiceContext } from './context.js';
import { startFrom, type ImageInput } from './image-input.js';

/** A request checked and resolved: nothing is queued yet. */
export interface Generation {
  model: ServedModel;
  /** Image i has seed (seed + i) mod 2^32; the start image joins them once it is encoded. */
  samples: readonly SampleRequest[];
  input: ImageInput | undefined;
}

export interface Delivery<T> {
  /** Once admitted, before any work: an answer here (the image cache) skips the engine. */
  cached?(): T | undefined;
  /** Just before the samples are queued (the start image is encoded by then): the stream opens here. */
  onStart?(samples: readonly SampleRequest[]): void;
  onProgress?(index: number, event: ProgressEvent): void;
  /** The results as the answer. */
  render(results: SampleResult[], samples: readonly SampleRequest[]): Promise<T>;
}

/** Outcome label of a failed generation, for purrception_samples_total. */
export function outcomeOf(err: unknown): string {
  const code = (err as { code?: string }).code;
  return code === 'REQUEST_CANCELLED' ? 'cancelled' : code === 'REQUEST_TIMEOUT' ? 'timeout' : 'failed';
}

export async function runGeneration<T>(context: ServiceContext, reply: FastifyReply, generation: Generation, delivery: Delivery<T>): Promise<T> {
  const { model, input } = generation;
  const admission = context.engines.admit(model); // the drain waits until this answer is written
  try {
    const cached = delivery.cached?.();
    if (cached !== undefined) return cached;
    const count = (outcome: string): void => void context.metrics.samples.inc({ model: model.name, outcome }, generation.samples.length);
    const cancellation = requestSignal(reply, context.config.requestTimeoutMs);
    try {
      const start = input && (await startFrom(admission.engine, input, cancellation.signal));
      const samples = start ? generation.samples.map((sample) => ({ ...sample, start })) : generation.samples;
      delivery.onStart?.(samples);
      const results = await admission.engine.generate(samples, cancellation.signal, delivery.onProgress);
      const answer = await delivery.render(results, samples);
      count('done');
      return answer;
    } catch (err) {
      count(outcomeOf(err));
      throw err;
    } finally {
      cancellation.dispose();
    }
  } finally {
    admission.release();
  }
}

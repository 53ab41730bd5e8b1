// Messages between the HTTP thread (client.ts) and the engine thread (worker.ts), typed once here.
import type { Provider } from '../config.js';
import type { SamplerName, TauSchedule } from './sampler.js';

/** One image to generate; every field already validated and resolved against the manifest. */
export interface SampleRequest {
  classId: number;
  /** Constant, or linear in t from start to end. */
  tau: TauSchedule;
  cfg: number;
  /** Time steps T (Euler: T model evaluations, Heun: 2T - 1). */
  steps: number;
  seed: number;
  /** Default euler. */
  sampler?: SamplerName;
  /** Return the per-position entropy maps (mean over the trajectory; at `uncertaintyStep` if set). */
  uncertainty?: boolean;
  /** 0..steps-1: also return the entropy map of the posterior at this step. */
  uncertaintyStep?: number;
  /** Report queue position and every step through progress messages. */
  progress?: boolean;
  /** Every k steps, decode the current mu and report it as a preview (0 or absent: never). */
  previewEvery?: number;
}

/** Per-position entropy of pi in nats, [h*w] row-major, aligned with the latent grid. */
export interface EntropyMaps {
  height: number;
  width: number;
  /** Mean over the T grid times t = s/T. */
  mean: Float32Array;
  /** At step `step` (t = step/T), when asked for. */
  atStep?: { step: number; map: Float32Array };
}

export interface SampleResult {
  /** RGB bytes, row-major HWC. */
  pixels: Uint8Array;
  width: number;
  height: number;
  /** Entropy of pi in nats, averaged over positions and steps. */
  meanEntropy: number;
  /** Present when the request asked for uncertainty. */
  entropy?: EntropyMaps;
  /** Time waiting for a batch slot, then sampling + decoding, in milliseconds. */
  queueMs: number;
  computeMs: number;
}

/** What a sample that asked for progress hears while it waits and samples. */
export type ProgressEvent =
  /** Samples that must leave the batch before this one joins (0: it joins at the next iteration). */
  | { kind: 'queued'; position: number }
  /** Steps done of T. */
  | { kind: 'step'; step: number; steps: number }
  /** The decode of the current mu (the model's guess of the final latent) after `step` steps. */
  | { kind: 'preview'; step: number; steps: number; pixels: Uint8Array; width: number; height: number };

export interface WorkerOptions {
  modelDir: string;
  executionProviders: Provider[];
  maxBatch: number;
  threads: number;
}

/** Which provider really runs each graph. */
export interface LoadedProviders {
  step: Provider;
  decode: Provider;
}

/** Which file of the model directory each graph runs (a provider may have its own variant). */
export interface GraphFiles {
  step: string;
  decode: string;
}

export type ToWorker =
  /** Samples submitted in the same tick on the HTTP side: they enter the same iteration. */
  | { type: 'submit'; samples: { id: number; request: SampleRequest }[] }
  | { type: 'cancel'; id: number }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; providers: LoadedProviders; files: GraphFiles; warmupMs: number }
  | { type: 'fatal'; message: string; code: string }
  | { type: 'iteration'; batchSize: number; seconds: number; live: number; waiting: number }
  | { type: 'decode'; batchSize: number; seconds: number }
  | { type: 'progress'; id: number; event: ProgressEvent }
  | { type: 'done'; id: number; result: SampleResult }
  | { type: 'failed'; id: number; message: string }
  | { type: 'closed' };

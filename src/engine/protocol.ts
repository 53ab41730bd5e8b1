// Messages between the HTTP thread (client.ts) and the engine thread (worker.ts), typed once here.
import type { Provider } from '../config.js';
import type { Grid, GuidanceInterval, SamplerName, TauSchedule } from './sampler.js';

/**
 * Where a sample starts when the request has an image. Sampling runs over [t0, 1], t0 = 1 - strength,
 * from z_t0 = t0 z_1 + (1 - t0) z_0; the cells a mask keeps stay on z_t = t z_1 + (1 - t) z_0.
 */
export interface StartImage {
  /** The encoded image z_1 (its quantized codebook vectors), [C, h, w]. */
  z1: Float32Array;
  /** In (0, 1]. */
  strength: number;
  /** One byte per latent cell, [h * w] row-major: 1 regenerated, 0 kept. Absent: every cell is regenerated. */
  mask?: Uint8Array;
}

/** One image to generate; every field already validated and resolved against the manifest. */
export interface SampleRequest {
  classId: number;
  /** Constant, or linear in t from start to end. */
  tau: TauSchedule;
  cfg: number;
  /** Time steps T (Euler and multistep: T model evaluations, Heun: 2T - 1). */
  steps: number;
  seed: number;
  /** Default euler. */
  sampler?: SamplerName;
  /** How the steps divide [t0, 1]; default uniform. */
  grid?: Grid;
  /** Where in t guidance applies (cfg outside {0, 1}); elsewhere the row runs its conditional pass only. Default: everywhere. */
  guidance?: GuidanceInterval;
  /** Return the per-position entropy maps (mean over the trajectory; at `uncertaintyStep` if set). */
  uncertainty?: boolean;
  /** 0..steps-1: also return the entropy map of the posterior at this step. */
  uncertaintyStep?: number;
  /** Report queue position and every step through progress messages. */
  progress?: boolean;
  /** Every k steps, decode the current mu and report it as a preview (0 or absent: never). */
  previewEvery?: number;
  /** Start from an image instead of noise alone. */
  start?: StartImage;
}

/** An image for the encoder (the VQ tokenizer). */
export interface EncodeRequest {
  /** RGB bytes, row-major HWC, of the model's image size. */
  pixels: Uint8Array;
  /** Also decode the codes: the tokenizer's reconstruction of the image. */
  reconstruct?: boolean;
}

export interface EncodeResult {
  /** The quantized codebook vectors, [C, h, w]. */
  z: Float32Array;
  /** Code per latent cell, [h * w] row-major. */
  codes: Int32Array;
  /** RGB bytes of the decoded codes, when asked for. */
  reconstruction?: Uint8Array;
  /** Time waiting for the encode run, then encoding (+ decoding), in milliseconds. */
  queueMs: number;
  computeMs: number;
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
  /** The code of each latent cell that the decoder painted, [h * w] row-major. */
  codes: Int32Array;
  /** Entropy of pi in nats, averaged over positions and steps; absent for models without a posterior. */
  meanEntropy?: number;
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

/** Which provider really runs each graph (encode only for models with an encoder). */
export interface LoadedProviders {
  step: Provider;
  decode: Provider;
  encode?: Provider;
}

/** Which file of the model directory each graph runs (a provider may have its own variant). */
export interface GraphFiles {
  step: string;
  decode: string;
  encode?: string;
}

export type ToWorker =
  /** Samples submitted in the same tick on the HTTP side: they enter the same iteration. */
  | { type: 'submit'; samples: { id: number; request: SampleRequest }[] }
  /** Images to encode, submitted in the same tick: they share an encode run. */
  | { type: 'encode'; jobs: { id: number; request: EncodeRequest }[] }
  | { type: 'cancel'; id: number }
  | { type: 'close' };

/**
 * What an engine tells the HTTP side, declared once: the scheduler emits these, the worker forwards
 * them as they are, the client settles requests and feeds the metrics from them.
 */
export type EngineEvent =
  /** One step-graph run over batchSize samples, of which unconditionalRows also ran the unconditional pass. */
  | { type: 'iteration'; batchSize: number; seconds: number; unconditionalRows: number }
  | { type: 'decodeRun'; batchSize: number; seconds: number }
  | { type: 'encodeRun'; batchSize: number; seconds: number }
  | { type: 'progress'; id: number; event: ProgressEvent }
  | { type: 'done'; id: number; result: SampleResult }
  | { type: 'encoded'; id: number; result: EncodeResult }
  | { type: 'failed'; id: number; message: string };

/** The events about the engine's runs (not about one request), for the metrics. */
export type RunEvent = Extract<EngineEvent, { type: 'iteration' | 'decodeRun' | 'encodeRun' }>;

export type FromWorker =
  | EngineEvent
  | { type: 'ready'; providers: LoadedProviders; files: GraphFiles }
  | { type: 'fatal'; message: string; code: string }
  | { type: 'closed' };

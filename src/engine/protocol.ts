// Messages between the HTTP thread (client.ts) and the engine thread (worker.ts), typed once here.
import type { Provider } from '../config.js';

/** One image to generate; every field already validated and resolved against the manifest. */
export interface SampleRequest {
  classId: number;
  tau: number;
  cfg: number;
  steps: number;
  seed: number;
}

export interface SampleResult {
  /** RGB bytes, row-major HWC. */
  pixels: Uint8Array;
  width: number;
  height: number;
  /** Entropy of pi in nats, averaged over positions and steps. */
  meanEntropy: number;
  /** Time waiting for a batch slot, then sampling + decoding, in milliseconds. */
  queueMs: number;
  computeMs: number;
}

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

export type ToWorker =
  | { type: 'submit'; id: number; request: SampleRequest }
  | { type: 'cancel'; id: number }
  | { type: 'close' };

export type FromWorker =
  | { type: 'ready'; providers: LoadedProviders; warmupMs: number }
  | { type: 'fatal'; message: string; code: string }
  | { type: 'iteration'; batchSize: number; seconds: number; live: number; waiting: number }
  | { type: 'decode'; batchSize: number; seconds: number }
  | { type: 'done'; id: number; result: SampleResult }
  | { type: 'failed'; id: number; message: string }
  | { type: 'closed' };

// Images to encode (image inputs and POST /encode): those submitted since the last iteration share one
// encode run. Encodings that asked for a reconstruction go on to the decode batcher; the others are
// answered at once.
import type { EncodeRequest, EngineEvent } from './protocol.js';
import type { ModelRunner } from './runner.js';

export interface EncodeJob {
  id: number;
  request: EncodeRequest;
  cancelled: boolean;
  submittedAt: number;
  startedAt: number;
}

/** An encoded image waiting for the decode of its codes (the reconstruction). */
export interface Reconstruction {
  job: EncodeJob;
  z: Float32Array;
  codes: Int32Array;
}

/** Decoder or encoder output codes of one row, as plain integers. */
export function codesOf(codes: BigInt64Array, row: number, cells: number): Int32Array {
  return Int32Array.from(codes.subarray(row * cells, (row + 1) * cells), Number);
}

export class EncodeQueue {
  private waiting: EncodeJob[] = [];
  /** The jobs of the encode run in flight: a cancel can only mark them. */
  private running: EncodeJob[] = [];

  constructor(
    private readonly runner: ModelRunner,
    private readonly image: { height: number; width: number },
    private readonly latent: { channels: number; height: number; width: number },
    private readonly emit: (event: EngineEvent) => void,
  ) {}

  get size(): number {
    return this.waiting.length;
  }

  add(id: number, request: EncodeRequest): void {
    const now = performance.now();
    this.waiting.push({ id, request, cancelled: false, submittedAt: now, startedAt: now });
  }

  /** Drops a waiting job, or marks the running one; true when the id was here. */
  cancel(id: number): boolean {
    const running = this.running.find((job) => job.id === id && !job.cancelled);
    if (running) running.cancelled = true;
    const before = this.waiting.length;
    this.waiting = this.waiting.filter((job) => job.id !== id);
    return running !== undefined || this.waiting.length < before;
  }

  /**
   * One encode run over up to `maxBatch` waiting images: pixels x -> x / 127.5 - 1, CHW. Returns the
   * reconstructions still wanted; jobs cancelled while the run was in flight are dropped.
   */
  async run(maxBatch: number): Promise<Reconstruction[]> {
    const jobs = this.waiting.splice(0, maxBatch);
    this.running = jobs;
    try {
      return await this.encode(jobs);
    } finally {
      this.running = [];
    }
  }

  private async encode(jobs: EncodeJob[]): Promise<Reconstruction[]> {
    const started = performance.now();
    const { height, width } = this.image;
    const plane = height * width;
    const image = new Float32Array(jobs.length * 3 * plane);
    jobs.forEach((job, row) => {
      job.startedAt = started;
      const { pixels } = job.request;
      for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) image[(row * 3 + c) * plane + p] = pixels[p * 3 + c]! / 127.5 - 1;
    });
    let output: { z: Float32Array; codes: BigInt64Array };
    try {
      if (!this.runner.encode) throw new Error('this model has no encode graph');
      output = await this.runner.encode(image, jobs.length);
    } catch (err) {
      for (const job of jobs) if (!job.cancelled) this.emit({ type: 'failed', id: job.id, message: (err as Error).message });
      return [];
    }
    const done = performance.now();
    this.emit({ type: 'encodeRun', batchSize: jobs.length, seconds: (done - started) / 1000 });
    const size = this.latent.channels * this.latent.height * this.latent.width;
    const positions = this.latent.height * this.latent.width;
    const reconstructions: Reconstruction[] = [];
    jobs.forEach((job, row) => {
      if (job.cancelled) return;
      const z = output.z.slice(row * size, (row + 1) * size);
      const codes = codesOf(output.codes, row, positions);
      if (job.request.reconstruct) reconstructions.push({ job, z, codes });
      else this.emit({ type: 'encoded', id: job.id, result: { z, codes, queueMs: job.startedAt - job.submittedAt, computeMs: done - job.startedAt } });
    });
    return reconstructions;
  }
}

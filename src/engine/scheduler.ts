// Continuous (iteration-level) batching: admit -> step -> retire.
// One iteration runs the step graph once over up to maxBatch live samples, each at its own t, class,
// cfg and tau; samples join and leave at iteration boundaries; finished samples decode together.
import { GaussianRng } from './rng.js';
import { eulerUpdate, mean, timeAt, toRgbBytes } from './sampler.js';
import type { SampleRequest, SampleResult } from './protocol.js';

export interface Shape {
  latent: { channels: number; height: number; width: number };
  image: { height: number; width: number };
}

/** A batch for the step graph; typed arrays hold exactly `size` rows. */
export interface StepBatch {
  size: number;
  z: Float32Array;
  t: Float32Array;
  y: BigInt64Array;
  cfg: Float32Array;
  tau: Float32Array;
}

/** The model work the scheduler drives (ONNX Runtime sessions in production, fakes in tests). */
export interface ModelRunner {
  step(batch: StepBatch): Promise<{ mu: Float32Array; entropy: Float32Array }>;
  decode(z: Float32Array, size: number): Promise<{ image: Float32Array }>;
}

export interface SchedulerEvents {
  iteration(batchSize: number, seconds: number, live: number, waiting: number): void;
  decoded(batchSize: number, seconds: number): void;
  done(id: number, result: SampleResult): void;
  failed(id: number, error: Error): void;
}

interface Sample {
  id: number;
  request: SampleRequest;
  z: Float32Array;
  step: number;
  entropySum: number;
  submittedAt: number;
  admittedAt: number;
}

export class Scheduler {
  private readonly waiting: Sample[] = [];
  private readonly live: Sample[] = [];
  private readonly latentSize: number;
  private readonly positions: number;
  private readonly buffers: StepBatch;

  constructor(
    private readonly runner: ModelRunner,
    private readonly shape: Shape,
    private readonly maxBatch: number,
    private readonly events: SchedulerEvents,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError('maxBatch must be a positive integer');
    const { channels, height, width } = shape.latent;
    this.positions = height * width;
    this.latentSize = channels * this.positions;
    this.buffers = {
      size: maxBatch,
      z: new Float32Array(maxBatch * this.latentSize),
      t: new Float32Array(maxBatch),
      y: new BigInt64Array(maxBatch),
      cfg: new Float32Array(maxBatch),
      tau: new Float32Array(maxBatch),
    };
  }

  get hasWork(): boolean {
    return this.waiting.length > 0 || this.live.length > 0;
  }

  get counts(): { live: number; waiting: number } {
    return { live: this.live.length, waiting: this.waiting.length };
  }

  submit(id: number, request: SampleRequest): void {
    const z = new GaussianRng(request.seed).fillGaussian(new Float32Array(this.latentSize)); // z_0 ~ N(0, I)
    const now = performance.now();
    this.waiting.push({ id, request, z, step: 0, entropySum: 0, submittedAt: now, admittedAt: now });
  }

  /** Removes a sample wherever it is; it will not consume another iteration. */
  cancel(id: number): boolean {
    for (const list of [this.waiting, this.live]) {
      const index = list.findIndex((sample) => sample.id === id);
      if (index >= 0) {
        list.splice(index, 1);
        return true;
      }
    }
    return false;
  }

  /** One iteration: admit waiting samples (FIFO), run one step over all live ones, retire the finished. */
  async iterate(): Promise<void> {
    this.admit();
    const batch = this.live.slice();
    if (batch.length === 0) return;
    const started = performance.now();
    let output: { mu: Float32Array; entropy: Float32Array };
    try {
      output = await this.runner.step(this.fill(batch));
    } catch (err) {
      this.fail(batch, err as Error);
      return;
    }
    const finished: Sample[] = [];
    batch.forEach((sample, row) => {
      const { steps } = sample.request;
      const mu = output.mu.subarray(row * this.latentSize, (row + 1) * this.latentSize);
      eulerUpdate(sample.z, mu, timeAt(sample.step, steps), steps);
      sample.entropySum += mean(output.entropy.subarray(row * this.positions, (row + 1) * this.positions));
      sample.step += 1;
      if (sample.step === steps) finished.push(sample);
    });
    this.retire(finished);
    this.events.iteration(batch.length, (performance.now() - started) / 1000, this.live.length, this.waiting.length);
    if (finished.length > 0) await this.decode(finished);
  }

  private admit(): void {
    const now = performance.now();
    while (this.live.length < this.maxBatch && this.waiting.length > 0) {
      const sample = this.waiting.shift()!;
      sample.admittedAt = now;
      this.live.push(sample);
    }
  }

  private fill(batch: Sample[]): StepBatch {
    const n = batch.length;
    const { z, t, y, cfg, tau } = this.buffers;
    batch.forEach((sample, row) => {
      z.set(sample.z, row * this.latentSize);
      t[row] = timeAt(sample.step, sample.request.steps);
      y[row] = BigInt(sample.request.classId);
      cfg[row] = sample.request.cfg;
      tau[row] = sample.request.tau;
    });
    return {
      size: n,
      z: z.subarray(0, n * this.latentSize),
      t: t.subarray(0, n),
      y: y.subarray(0, n),
      cfg: cfg.subarray(0, n),
      tau: tau.subarray(0, n),
    };
  }

  private retire(samples: Sample[]): void {
    for (const sample of samples) this.live.splice(this.live.indexOf(sample), 1);
  }

  private fail(samples: Sample[], error: Error): void {
    this.retire(samples);
    for (const sample of samples) this.events.failed(sample.id, error);
  }

  private async decode(samples: Sample[]): Promise<void> {
    const started = performance.now();
    const z = new Float32Array(samples.length * this.latentSize);
    samples.forEach((sample, row) => z.set(sample.z, row * this.latentSize));
    let image: Float32Array;
    try {
      ({ image } = await this.runner.decode(z, samples.length));
    } catch (err) {
      for (const sample of samples) this.events.failed(sample.id, err as Error);
      return;
    }
    const done = performance.now();
    this.events.decoded(samples.length, (done - started) / 1000);
    const { height, width } = this.shape.image;
    const imageSize = 3 * height * width;
    samples.forEach((sample, row) => {
      const pixels = toRgbBytes(image.subarray(row * imageSize, (row + 1) * imageSize), height, width);
      this.events.done(sample.id, {
        pixels,
        width,
        height,
        meanEntropy: sample.entropySum / sample.request.steps,
        queueMs: sample.admittedAt - sample.submittedAt,
        computeMs: done - sample.admittedAt,
      });
    });
  }
}

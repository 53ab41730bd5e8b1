// Continuous (iteration-level) batching: admit -> step -> retire.
// One iteration runs the step graph once over up to maxBatch live samples, each at its own t, class,
// cfg, tau(t) and sampler phase; samples join and leave at iteration boundaries; finished samples and
// due previews decode together in one decode run. A row's inputs depend on its own sample only, so a
// sample's bytes do not depend on its batch-mates.
import { GaussianRng } from './rng.js';
import { eulerUpdate, heunCorrect, heunPredict, mean, tauAt, timeAt, toRgbBytes, velocity, type SamplerName } from './sampler.js';
import type { EntropyMaps, ProgressEvent, SampleRequest, SampleResult } from './protocol.js';

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
  /** Only for samples that asked for progress or previews. */
  progress?(id: number, event: ProgressEvent): void;
  done(id: number, result: SampleResult): void;
  failed(id: number, error: Error): void;
}

/** Heun's state between its two evaluations of one step. */
interface HeunPending {
  v1: Float32Array; // v(z, t)
  zPredicted: Float32Array; // z' = z + h v1, evaluated next at t + h
}

interface Sample {
  id: number;
  request: SampleRequest;
  sampler: SamplerName;
  z: Float32Array;
  /** Steps done, 0..T. */
  step: number;
  /** Set between Heun's predictor and corrector evaluations. */
  heun: HeunPending | undefined;
  entropySum: number;
  /** Per-position entropy summed over the grid times (only when uncertainty was asked for). */
  entropyMapSum: Float64Array | undefined;
  entropyAtStep: Float32Array | undefined;
  submittedAt: number;
  admittedAt: number;
}

/** Finished samples wait for a decode run until this many are ready, or ... */
const DECODE_BATCH = 4;
/** ... the oldest has waited this many iterations (bounds the latency the deferral adds). */
const DECODE_MAX_WAIT = 2;

interface Preview {
  sample: Sample;
  /** The step after which mu was taken (the sample may be further on when the preview decodes). */
  step: number;
  mu: Float32Array;
}

export class Scheduler {
  private readonly waiting: Sample[] = [];
  private readonly live: Sample[] = [];
  /** Finished samples and due previews not yet decoded, and the iteration the oldest joined at. */
  private undecoded: { finished: Sample[]; previews: Preview[]; since: number } = { finished: [], previews: [], since: 0 };
  private iterations = 0;
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
    return this.waiting.length > 0 || this.live.length > 0 || this.undecoded.finished.length + this.undecoded.previews.length > 0;
  }

  get counts(): { live: number; waiting: number } {
    return { live: this.live.length, waiting: this.waiting.length };
  }

  submit(id: number, request: SampleRequest): void {
    const z = new GaussianRng(request.seed).fillGaussian(new Float32Array(this.latentSize)); // z_0 ~ N(0, I)
    const now = performance.now();
    // Samples that must leave the batch before this one can join (0: it joins at the next iteration).
    const position = Math.max(0, this.waiting.length + 1 - (this.maxBatch - this.live.length));
    this.waiting.push({
      id,
      request,
      sampler: request.sampler ?? 'euler',
      z,
      step: 0,
      heun: undefined,
      entropySum: 0,
      entropyMapSum: request.uncertainty ? new Float64Array(this.positions) : undefined,
      entropyAtStep: undefined,
      submittedAt: now,
      admittedAt: now,
    });
    if (request.progress) this.events.progress?.(id, { kind: 'queued', position });
  }

  /** Removes a sample wherever it is; it will not consume another iteration. */
  cancel(id: number): boolean {
    this.undecoded.previews = this.undecoded.previews.filter((preview) => preview.sample.id !== id);
    for (const list of [this.waiting, this.live, this.undecoded.finished]) {
      const index = list.findIndex((sample) => sample.id === id);
      if (index >= 0) {
        list.splice(index, 1);
        return true;
      }
    }
    return false;
  }

  /**
   * One iteration: admit waiting samples (FIFO), run one step over all live ones, retire the
   * finished. Decoding is deferred so that finished samples share decode runs (per image a decode
   * at batch 16 costs about half of one at batch 1, docs/performance.md): it runs once DECODE_BATCH
   * samples are finished, the oldest has waited DECODE_MAX_WAIT iterations, a preview is due, or
   * nothing else is left.
   */
  async iterate(): Promise<void> {
    this.admit();
    const batch = this.live.slice();
    if (batch.length > 0) await this.stepOnce(batch);
    if (this.decodeDue()) await this.flushDecodes();
  }

  private async stepOnce(batch: Sample[]): Promise<void> {
    const started = performance.now();
    const output = await this.runStep(batch);
    this.iterations += 1;
    if (!output) return;
    const finished: Sample[] = [];
    const previews: Preview[] = [];
    batch.forEach((sample, row) => {
      const mu = output.mu.subarray(row * this.latentSize, (row + 1) * this.latentSize);
      const entropy = output.entropy.subarray(row * this.positions, (row + 1) * this.positions);
      if (!this.advance(sample, mu, entropy)) return; // Heun's predictor: the step is half done
      const { steps, previewEvery, progress } = sample.request;
      if (progress) this.events.progress?.(sample.id, { kind: 'step', step: sample.step, steps });
      if (sample.step === steps) finished.push(sample);
      else if (previewEvery && sample.step % previewEvery === 0) previews.push({ sample, step: sample.step, mu: mu.slice() });
    });
    this.retire(finished);
    this.events.iteration(batch.length, (performance.now() - started) / 1000, this.live.length, this.waiting.length);
    const pending = this.undecoded;
    if (pending.finished.length + pending.previews.length === 0) pending.since = this.iterations;
    pending.finished.push(...finished);
    pending.previews.push(...previews);
  }

  private decodeDue(): boolean {
    const { finished, previews, since } = this.undecoded;
    if (finished.length + previews.length === 0) return false;
    const idle = this.live.length === 0 && this.waiting.length === 0;
    // Previews are progress a client is watching: they decode at once (finished samples ride along).
    return idle || previews.length > 0 || finished.length >= DECODE_BATCH || this.iterations - since >= DECODE_MAX_WAIT;
  }

  private async flushDecodes(): Promise<void> {
    const { finished, previews } = this.undecoded;
    this.undecoded = { finished: [], previews: [], since: this.iterations };
    await this.decode(finished, previews);
  }

  /**
   * Applies one model evaluation to a sample; true when it completed a step.
   *  Euler, and Heun's last step:  z <- z + h v(z, t)
   *  Heun's predictor:             keep v1 = v(z, t) and z' = z + h v1; the corrector runs next iteration
   *  Heun's corrector:             z <- z + (h/2) (v1 + v(z', t + h))
   */
  private advance(sample: Sample, mu: Float32Array, entropy: Float32Array): boolean {
    const { steps } = sample.request;
    const t = timeAt(sample.step, steps);
    if (sample.heun) {
      heunCorrect(sample.z, sample.heun.v1, sample.heun.zPredicted, mu, t, steps);
      sample.heun = undefined;
      sample.step += 1;
      return true;
    }
    this.recordEntropy(sample, entropy); // at the grid time t = s/T, the same points for both samplers
    if (sample.sampler === 'heun' && sample.step < steps - 1) {
      const v1 = velocity(new Float32Array(this.latentSize), sample.z, mu, t);
      sample.heun = { v1, zPredicted: heunPredict(new Float32Array(this.latentSize), sample.z, v1, steps) };
      return false;
    }
    eulerUpdate(sample.z, mu, t, steps);
    sample.step += 1;
    return true;
  }

  private recordEntropy(sample: Sample, entropy: Float32Array): void {
    sample.entropySum += mean(entropy);
    if (!sample.entropyMapSum) return;
    for (let p = 0; p < this.positions; p++) sample.entropyMapSum[p]! += entropy[p]!;
    if (sample.step === sample.request.uncertaintyStep) sample.entropyAtStep = entropy.slice();
  }

  private admit(): void {
    const now = performance.now();
    while (this.live.length < this.maxBatch && this.waiting.length > 0) {
      const sample = this.waiting.shift()!;
      sample.admittedAt = now;
      this.live.push(sample);
    }
  }

  /** Each row's inputs: its own z (or Heun's z'), its own t and tau(t), class and cfg. */
  private fill(batch: Sample[]): StepBatch {
    const n = batch.length;
    const { z, t, y, cfg, tau } = this.buffers;
    batch.forEach((sample, row) => {
      const { request } = sample;
      const correcting = sample.heun !== undefined;
      const time = timeAt(sample.step + (correcting ? 1 : 0), request.steps);
      z.set(sample.heun?.zPredicted ?? sample.z, row * this.latentSize);
      t[row] = time;
      y[row] = BigInt(request.classId);
      cfg[row] = request.cfg;
      tau[row] = tauAt(request.tau, time);
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

  /**
   * Runs the step graph over the batch. If the batched run throws, each row runs alone so that only
   * the samples whose own inputs fail are failed (rows are independent, so the others' bytes are
   * unchanged); the failed ones are removed from `batch`.
   */
  private async runStep(batch: Sample[]): Promise<{ mu: Float32Array; entropy: Float32Array } | undefined> {
    try {
      return await this.runner.step(this.fill(batch));
    } catch (err) {
      if (batch.length === 1) {
        this.fail(batch, err as Error);
        return undefined;
      }
    }
    const rows: { sample: Sample; mu: Float32Array; entropy: Float32Array }[] = [];
    for (const sample of batch) {
      try {
        const { mu, entropy } = await this.runner.step(this.fill([sample]));
        rows.push({ sample, mu: mu.slice(), entropy: entropy.slice() });
      } catch (err) {
        this.fail([sample], err as Error);
      }
    }
    batch.splice(0, batch.length, ...rows.map((r) => r.sample));
    if (rows.length === 0) return undefined;
    const mu = new Float32Array(rows.length * this.latentSize);
    const entropy = new Float32Array(rows.length * this.positions);
    rows.forEach((r, i) => {
      mu.set(r.mu, i * this.latentSize);
      entropy.set(r.entropy, i * this.positions);
    });
    return { mu, entropy };
  }

  private fail(samples: Sample[], error: Error): void {
    this.retire(samples);
    for (const sample of samples) this.events.failed(sample.id, error);
  }

  /** One decode run: the final z of finished samples, then the current mu of samples due a preview. */
  private async decode(finished: Sample[], previews: Preview[]): Promise<void> {
    const started = performance.now();
    const rows = finished.length + previews.length;
    const z = new Float32Array(rows * this.latentSize);
    finished.forEach((sample, row) => z.set(sample.z, row * this.latentSize));
    previews.forEach(({ mu }, i) => z.set(mu, (finished.length + i) * this.latentSize));
    let image: Float32Array;
    try {
      ({ image } = await this.runner.decode(z, rows));
    } catch (err) {
      for (const sample of finished) this.events.failed(sample.id, err as Error);
      return; // previews are best effort; the samples fail at their own final decode if it persists
    }
    const done = performance.now();
    this.events.decoded(rows, (done - started) / 1000);
    const { height, width } = this.shape.image;
    const imageSize = 3 * height * width;
    const pixelsOf = (row: number): Uint8Array => toRgbBytes(image.subarray(row * imageSize, (row + 1) * imageSize), height, width);
    finished.forEach((sample, row) => {
      const { steps } = sample.request;
      this.events.done(sample.id, {
        pixels: pixelsOf(row),
        width,
        height,
        meanEntropy: sample.entropySum / steps,
        ...(sample.entropyMapSum ? { entropy: this.entropyMaps(sample) } : {}),
        queueMs: sample.admittedAt - sample.submittedAt,
        computeMs: done - sample.admittedAt,
      });
    });
    previews.forEach(({ sample, step }, i) => {
      // A sample cancelled (or finished) meanwhile has nobody waiting for a preview.
      if (!this.live.includes(sample)) return;
      this.events.progress?.(sample.id, { kind: 'preview', step, steps: sample.request.steps, pixels: pixelsOf(finished.length + i), width, height });
    });
  }

  private entropyMaps(sample: Sample): EntropyMaps {
    const { height, width } = this.shape.latent;
    const { steps, uncertaintyStep } = sample.request;
    const meanMap = Float32Array.from(sample.entropyMapSum!, (sum) => sum / steps);
    const atStep = sample.entropyAtStep && uncertaintyStep !== undefined ? { step: uncertaintyStep, map: sample.entropyAtStep } : undefined;
    return { height, width, mean: meanMap, ...(atStep ? { atStep } : {}) };
  }
}

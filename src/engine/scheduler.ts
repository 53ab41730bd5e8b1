// Continuous (iteration-level) batching: encode -> admit -> step -> retire.
// One iteration runs the step graph once over up to maxBatch live samples, each at its own t, class,
// cfg, tau(t) and sampler phase (and, when it started from an image, its own start time and mask); only
// the rows that need guidance at their t run the unconditional pass (the step graph's `guide` input);
// samples join and leave at iteration boundaries; finished samples, due previews and reconstructions
// decode together in one decode run, and the images submitted for encoding share one encode run. A
// row's inputs depend on its own sample only, so a sample's bytes do not depend on its batch-mates.
// A dfm model samples codes instead of vectors: each sample carries its codes and its own stream of
// uniforms, the step graph gives p(x_1 | x_t), and the decode starts from the codes.
import { GaussianRng } from './rng.js';
import {
  dfmUpdate,
  eulerUpdate,
  guidedAt,
  heunCorrect,
  heunPredict,
  mean,
  logSnrMultistepUpdate,
  multistepUpdate,
  pathPoint,
  stepSize,
  tauAt,
  timeAt,
  toRgbBytes,
  velocity,
  type Grid,
  type MuHistory,
  type SamplerName,
} from './sampler.js';
import type { EncodeRequest, EncodeResult, EntropyMaps, ProgressEvent, SampleRequest, SampleResult } from './protocol.js';

export interface Shape {
  latent: { channels: number; height: number; width: number };
  image: { height: number; width: number };
  /** The class id of the unconditional pass (a cfg-0 row runs with it). */
  null_class: number;
  /** dfm: the model samples codes 0..codebook_size - 1 (codebook_size is the mask) instead of vectors. */
  objective?: string;
  codebook_size?: number;
}

/** A batch for the step graph; typed arrays hold exactly `size` rows. */
export interface StepBatch {
  size: number;
  /** dfm only: each row's codes [h, w] (its z is empty). */
  codes?: BigInt64Array;
  z: Float32Array;
  t: Float32Array;
  y: BigInt64Array;
  cfg: Float32Array;
  tau: Float32Array;
  /**
   * The rows to guide, increasing: they run a second, unconditional pass and get h_u + cfg (h_c - h_u).
   * Every other row is its conditional pass alone (its cfg is 1 here; a cfg-0 row comes with y = null).
   */
  guide: BigInt64Array;
}

/** What a step run gives per row: mu (and the posterior's entropy where there is one), or dfm's p(x_1 | x_t). */
export type StepOutput = { mu: Float32Array; entropy?: Float32Array } | { probs: Float32Array };

/** Every row of a batch of `size` guided: a StepBatch's `guide` for the full cost of guidance. */
export function guideAll(size: number): BigInt64Array {
  return BigInt64Array.from({ length: size }, (_, row) => BigInt(row));
}

/** The model work the scheduler drives (ONNX Runtime sessions in production, fakes in tests). */
export interface ModelRunner {
  /** entropy: [B,h,w], only from models with a posterior over codes (purrception; not cfm); dfm: probs [B,K,h,w]. */
  step(batch: StepBatch): Promise<StepOutput>;
  /** dfm: codes [B,h,w] -> image [B,3,H,W] in [-1, 1]. */
  decodeCodes?(codes: BigInt64Array, size: number): Promise<Float32Array>;
  /** z [B,C,h,w] -> image [B,3,H,W] in [-1, 1] and the code each cell was quantized to, [B,h,w]. */
  decode(z: Float32Array, size: number): Promise<{ image: Float32Array; codes: BigInt64Array }>;
  /** image [B,3,H,W] in [-1, 1] -> quantized z [B,C,h,w] and codes [B,h,w]; only models with an encoder. */
  encode?(image: Float32Array, size: number): Promise<{ z: Float32Array; codes: BigInt64Array }>;
  /** False for step graphs without the `guide` input, which run the unconditional pass on every row. */
  readonly guidesRows?: boolean;
}

export interface SchedulerEvents {
  /** unconditionalRows: the rows that also ran the unconditional pass (the step graph ran batchSize + that many). */
  iteration(batchSize: number, seconds: number, live: number, waiting: number, unconditionalRows: number): void;
  decoded(batchSize: number, seconds: number): void;
  encodeRun(batchSize: number, seconds: number): void;
  /** Only for samples that asked for progress or previews. */
  progress?(id: number, event: ProgressEvent): void;
  done(id: number, result: SampleResult): void;
  encoded(id: number, result: EncodeResult): void;
  failed(id: number, error: Error): void;
}

/** The path the kept cells of a mask follow: z_t = t z_1 + (1 - t) z_0. */
interface KeptPath {
  z0: Float32Array;
  z1: Float32Array;
  mask: Uint8Array;
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
  grid: Grid;
  z: Float32Array;
  /** Sampling runs over [t0, 1]: 0 from noise, 1 - strength from an image. */
  t0: number;
  /** Only when a mask keeps some cells. */
  kept: KeptPath | undefined;
  /** Steps done, 0..T. */
  step: number;
  /** Set between Heun's predictor and corrector evaluations. */
  heun: HeunPending | undefined;
  /** Whether the row is guided in the step run being applied (set when the batch is filled). */
  guided: boolean;
  /** Multistep: the previous evaluation, and whether it was guided (mu jumps where guidance switches). */
  history: (MuHistory & { guided: boolean }) | undefined;
  /** dfm: the codes so far (K = mask) and the stream their draws come from. */
  discrete: { codes: Int32Array; rng: GaussianRng } | undefined;
  /** Mean entropy summed over the grid times; undefined for models without a posterior. */
  entropySum: number | undefined;
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

interface EncodeJob {
  id: number;
  request: EncodeRequest;
  submittedAt: number;
  startedAt: number;
}

/** An encoded image waiting for the decode of its codes (the reconstruction). */
interface Reconstruction {
  job: EncodeJob;
  z: Float32Array;
  codes: Int32Array;
}

interface Undecoded {
  finished: Sample[];
  previews: Preview[];
  reconstructions: Reconstruction[];
  /** The iteration the oldest joined at. */
  since: number;
}

/** A step run's output copied (the runner may reuse its buffers on the next run). */
function copyOf(output: StepOutput): StepOutput {
  if ('probs' in output) return { probs: output.probs.slice() };
  return output.entropy ? { mu: output.mu.slice(), entropy: output.entropy.slice() } : { mu: output.mu.slice() };
}

/** The outputs of runs of one row each, as the output of one run over those rows. */
function joinRows(outputs: StepOutput[]): StepOutput {
  const join = (parts: Float32Array[]): Float32Array => {
    const all = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
    parts.reduce((offset, part) => (all.set(part, offset), offset + part.length), 0);
    return all;
  };
  const probs = outputs.flatMap((o) => ('probs' in o ? [o.probs] : []));
  if (probs.length > 0) return { probs: join(probs) };
  const vectors = outputs.flatMap((o) => ('mu' in o ? [o] : []));
  const entropies = vectors.flatMap((o) => (o.entropy ? [o.entropy] : []));
  const mu = join(vectors.map((o) => o.mu));
  return entropies.length === vectors.length ? { mu, entropy: join(entropies) } : { mu };
}

/** Decoder output codes of one row, as plain integers. */
function codesOf(codes: BigInt64Array, row: number, cells: number): Int32Array {
  return Int32Array.from(codes.subarray(row * cells, (row + 1) * cells), Number);
}

export class Scheduler {
  private readonly waiting: Sample[] = [];
  private readonly live: Sample[] = [];
  private encodes: EncodeJob[] = [];
  /** Finished samples, due previews and reconstructions not yet decoded. */
  private undecoded: Undecoded = { finished: [], previews: [], reconstructions: [], since: 0 };
  private iterations = 0;
  private readonly latentSize: number;
  private readonly positions: number;
  private readonly buffers: StepBatch;
  /** dfm: the mask's code (K), and the size of a row of p(x_1 | x_t), K * h * w. */
  private readonly mask: number | undefined;
  private readonly probsSize: number;

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
    this.mask = shape.objective === 'dfm' ? shape.codebook_size : undefined;
    if (shape.objective === 'dfm' && (this.mask === undefined || runner.decodeCodes === undefined)) {
      throw new TypeError('a dfm model needs codebook_size and a runner that decodes codes');
    }
    this.probsSize = (this.mask ?? 0) * this.positions;
    this.buffers = {
      size: maxBatch,
      z: new Float32Array(this.mask === undefined ? maxBatch * this.latentSize : 0),
      ...(this.mask === undefined ? {} : { codes: new BigInt64Array(maxBatch * this.positions) }),
      t: new Float32Array(maxBatch),
      y: new BigInt64Array(maxBatch),
      cfg: new Float32Array(maxBatch),
      tau: new Float32Array(maxBatch),
      guide: new BigInt64Array(maxBatch),
    };
  }

  get hasWork(): boolean {
    return this.waiting.length > 0 || this.live.length > 0 || this.encodes.length > 0 || this.undecodedCount > 0;
  }

  private get undecodedCount(): number {
    const { finished, previews, reconstructions } = this.undecoded;
    return finished.length + previews.length + reconstructions.length;
  }

  get counts(): { live: number; waiting: number } {
    return { live: this.live.length, waiting: this.waiting.length };
  }

  submit(id: number, request: SampleRequest): void {
    // dfm starts all-mask and draws its uniforms from the seed's stream; the others start at z_0 ~ N(0, I)
    const discrete = this.mask === undefined ? undefined : { codes: new Int32Array(this.positions).fill(this.mask), rng: new GaussianRng(request.seed) };
    const z0 = discrete ? new Float32Array(0) : new GaussianRng(request.seed).fillGaussian(new Float32Array(this.latentSize));
    const { start } = request;
    // From an image: z_t0 = t0 z_1 + (1 - t0) z_0, t0 = 1 - strength (z_0 itself when strength is 1).
    const t0 = start ? 1 - start.strength : 0;
    const z = start ? z0.slice() : z0;
    if (start) pathPoint(z, start.z1, z0, t0);
    const now = performance.now();
    // Samples that must leave the batch before this one can join (0: it joins at the next iteration).
    const position = Math.max(0, this.waiting.length + 1 - (this.maxBatch - this.live.length));
    this.waiting.push({
      id,
      request,
      sampler: request.sampler ?? 'euler',
      grid: request.grid ?? 'uniform',
      z,
      t0,
      kept: start?.mask ? { z0, z1: start.z1, mask: start.mask } : undefined,
      step: 0,
      heun: undefined,
      guided: false,
      history: undefined,
      discrete,
      entropySum: undefined,
      entropyMapSum: request.uncertainty ? new Float64Array(this.positions) : undefined,
      entropyAtStep: undefined,
      submittedAt: now,
      admittedAt: now,
    });
    if (request.progress) this.events.progress?.(id, { kind: 'queued', position });
  }

  /** An image to encode at the next iteration, in one encode run with the others waiting then. */
  submitEncode(id: number, request: EncodeRequest): void {
    const now = performance.now();
    this.encodes.push({ id, request, submittedAt: now, startedAt: now });
  }

  /** Removes a sample or an encoding wherever it is; it will not consume another iteration. */
  cancel(id: number): boolean {
    this.undecoded.previews = this.undecoded.previews.filter((preview) => preview.sample.id !== id);
    const encodes = this.encodes.length + this.undecoded.reconstructions.length;
    this.encodes = this.encodes.filter((job) => job.id !== id);
    this.undecoded.reconstructions = this.undecoded.reconstructions.filter((r) => r.job.id !== id);
    if (this.encodes.length + this.undecoded.reconstructions.length < encodes) return true;
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
   * One iteration: encode the images submitted since the last one, admit waiting samples (FIFO), run
   * one step over all live ones, retire the finished. Decoding is deferred so that finished samples
   * share decode runs (per image a decode at batch 16 costs about half of one at batch 1,
   * docs/performance.md): it runs once DECODE_BATCH samples are finished, the oldest has waited
   * DECODE_MAX_WAIT iterations, a preview is due, or nothing else is left.
   */
  async iterate(): Promise<void> {
    if (this.encodes.length > 0) await this.runEncodes();
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
    const unconditionalRows = this.runner.guidesRows === false ? batch.length : batch.filter((sample) => sample.guided).length;
    const finished: Sample[] = [];
    const previews: Preview[] = [];
    batch.forEach((sample, row) => {
      let mu: Float32Array | undefined;
      if ('probs' in output) this.advanceCodes(sample, output.probs.subarray(row * this.probsSize, (row + 1) * this.probsSize));
      else {
        mu = output.mu.subarray(row * this.latentSize, (row + 1) * this.latentSize);
        const entropy = output.entropy?.subarray(row * this.positions, (row + 1) * this.positions);
        if (!this.advance(sample, mu, entropy)) return; // Heun's predictor: the step is half done
      }
      const { steps, previewEvery, progress } = sample.request;
      if (progress) this.events.progress?.(sample.id, { kind: 'step', step: sample.step, steps });
      if (sample.step === steps) finished.push(sample);
      else if (mu && previewEvery && sample.step % previewEvery === 0) previews.push({ sample, step: sample.step, mu: mu.slice() });
    });
    this.retire(finished);
    this.events.iteration(batch.length, (performance.now() - started) / 1000, this.live.length, this.waiting.length, unconditionalRows);
    if (this.undecodedCount === 0) this.undecoded.since = this.iterations;
    this.undecoded.finished.push(...finished);
    this.undecoded.previews.push(...previews);
  }

  private decodeDue(): boolean {
    const { finished, previews, reconstructions, since } = this.undecoded;
    if (this.undecodedCount === 0) return false;
    const idle = this.live.length === 0 && this.waiting.length === 0;
    // Previews are progress a client is watching: they decode at once (finished samples ride along).
    const waiting = finished.length + reconstructions.length;
    return idle || previews.length > 0 || waiting >= DECODE_BATCH || this.iterations - since >= DECODE_MAX_WAIT;
  }

  private async flushDecodes(): Promise<void> {
    const pending = this.undecoded;
    this.undecoded = { finished: [], previews: [], reconstructions: [], since: this.iterations };
    await this.decode(pending);
  }

  /**
   * One encode run over the images submitted since the last iteration (maxBatch at a time): pixels
   * x -> x / 127.5 - 1, CHW. Reconstructions wait for the next decode run; the others are answered.
   */
  private async runEncodes(): Promise<void> {
    const jobs = this.encodes.splice(0, this.maxBatch);
    const started = performance.now();
    const { height, width } = this.shape.image;
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
      for (const job of jobs) this.events.failed(job.id, err as Error);
      return;
    }
    const done = performance.now();
    this.events.encodeRun(jobs.length, (done - started) / 1000);
    if (jobs.some((job) => job.request.reconstruct) && this.undecodedCount === 0) this.undecoded.since = this.iterations;
    jobs.forEach((job, row) => {
      const z = output.z.slice(row * this.latentSize, (row + 1) * this.latentSize);
      const codes = codesOf(output.codes, row, this.positions);
      if (job.request.reconstruct) this.undecoded.reconstructions.push({ job, z, codes });
      else this.events.encoded(job.id, { z, codes, queueMs: job.startedAt - job.submittedAt, computeMs: done - job.startedAt });
    });
  }

  /**
   * Applies one model evaluation to a sample; true when it completed a step.
   *  Euler, and Heun's last step:  z <- z + h v(z, t)
   *  Heun's predictor:             keep v1 = v(z, t) and z' = z + h v1; the corrector runs next iteration
   *  Heun's corrector:             z <- z + (h/2) (v1 + v(z', t + h))
   *  multistep:                    the exact step for mu linear in t through the previous evaluation
   *                                (Euler at the first step, and where guidance switched)
   * After each, the cells a mask keeps are put back on their path at the new time (z' at t + h too,
   * since the corrector's evaluation sees it), so at t = 1 they are exactly z_1.
   */
  private advance(sample: Sample, mu: Float32Array, entropy: Float32Array | undefined): boolean {
    const { steps } = sample.request;
    const { t0, kept, grid } = sample;
    const t = timeAt(sample.step, steps, t0, grid);
    const h = stepSize(sample.step, steps, t0, grid);
    const hold = (z: Float32Array, step: number): void => {
      if (kept) pathPoint(z, kept.z1, kept.z0, timeAt(step, steps, t0, grid), kept.mask);
    };
    if (sample.heun) {
      heunCorrect(sample.z, sample.heun.v1, sample.heun.zPredicted, mu, t, h);
      sample.heun = undefined;
      sample.step += 1;
      hold(sample.z, sample.step);
      return true;
    }
    if (entropy) this.recordEntropy(sample, entropy); // at the grid times, the same points for both samplers
    if (sample.sampler === 'heun' && sample.step < steps - 1) {
      const v1 = velocity(new Float32Array(this.latentSize), sample.z, mu, t);
      const zPredicted = heunPredict(new Float32Array(this.latentSize), sample.z, v1, h);
      hold(zPredicted, sample.step + 1);
      sample.heun = { v1, zPredicted };
      return false;
    }
    if (sample.sampler === 'multistep' || sample.sampler === 'logsnr-multistep') this.multistep(sample, mu, t, h);
    else eulerUpdate(sample.z, mu, t, h);
    sample.step += 1;
    hold(sample.z, sample.step);
    return true;
  }

  /** dfm at t = s/T: each position redrawn with probability c = h / (1 - t) = 1 / (T - s) (1 at the last step). */
  private advanceCodes(sample: Sample, probs: Float32Array): void {
    dfmUpdate(sample.discrete!.codes, probs, 1 / (sample.request.steps - sample.step), sample.discrete!.rng);
    sample.step += 1;
  }

  private multistep(sample: Sample, mu: Float32Array, t: number, h: number): void {
    const { history, guided } = sample;
    const update = sample.sampler === 'multistep' ? multistepUpdate : logSnrMultistepUpdate;
    update(sample.z, mu, t, h, history?.guided === guided ? history : undefined);
    if (sample.step === sample.request.steps - 1) sample.history = undefined;
    else if (history) {
      history.mu.set(mu);
      history.t = t;
      history.guided = guided;
    } else sample.history = { mu: mu.slice(), t, guided };
  }

  private recordEntropy(sample: Sample, entropy: Float32Array): void {
    sample.entropySum = (sample.entropySum ?? 0) + mean(entropy);
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

  /**
   * Each row's inputs: its own z (or Heun's z'), its own t and tau(t), class and cfg, and whether it
   * is guided at t. An unguided row runs once: conditionally (cfg 1), or with the null class (cfg 0).
   */
  private fill(batch: Sample[]): StepBatch {
    const n = batch.length;
    const { z, codes, t, y, cfg, tau, guide } = this.buffers;
    let guided = 0;
    batch.forEach((sample, row) => {
      const { request } = sample;
      const correcting = sample.heun !== undefined;
      const time = timeAt(sample.step + (correcting ? 1 : 0), request.steps, sample.t0, sample.grid);
      sample.guided = guidedAt(request.cfg, request.guidance, time);
      if (sample.discrete) sample.discrete.codes.forEach((code, p) => (codes![row * this.positions + p] = BigInt(code)));
      else z.set(sample.heun?.zPredicted ?? sample.z, row * this.latentSize);
      t[row] = time;
      y[row] = BigInt(request.cfg === 0 ? this.shape.null_class : request.classId);
      cfg[row] = sample.guided ? request.cfg : 1;
      tau[row] = tauAt(request.tau, time);
      if (sample.guided) guide[guided++] = BigInt(row);
    });
    return {
      size: n,
      z: z.subarray(0, this.mask === undefined ? n * this.latentSize : 0),
      ...(codes ? { codes: codes.subarray(0, n * this.positions) } : {}),
      t: t.subarray(0, n),
      y: y.subarray(0, n),
      cfg: cfg.subarray(0, n),
      tau: tau.subarray(0, n),
      guide: guide.subarray(0, guided),
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
  private async runStep(batch: Sample[]): Promise<StepOutput | undefined> {
    try {
      return await this.runner.step(this.fill(batch));
    } catch (err) {
      if (batch.length === 1) {
        this.fail(batch, err as Error);
        return undefined;
      }
    }
    const rows: { sample: Sample; output: StepOutput }[] = [];
    for (const sample of batch) {
      try {
        rows.push({ sample, output: copyOf(await this.runner.step(this.fill([sample]))) });
      } catch (err) {
        this.fail([sample], err as Error);
      }
    }
    batch.splice(0, batch.length, ...rows.map((r) => r.sample));
    return rows.length === 0 ? undefined : joinRows(rows.map((r) => r.output));
  }

  private fail(samples: Sample[], error: Error): void {
    this.retire(samples);
    for (const sample of samples) this.events.failed(sample.id, error);
  }

  /**
   * One decode run: the final z of finished samples, then the z of encoded images due a
   * reconstruction, then the current mu of samples due a preview.
   */
  private async decode({ finished, previews, reconstructions }: Undecoded): Promise<void> {
    const started = performance.now();
    const rows = finished.length + reconstructions.length + previews.length;
    let image: Float32Array;
    let codes: BigInt64Array;
    try {
      ({ image, codes } = await this.decodeRows(finished, reconstructions, previews));
    } catch (err) {
      for (const id of [...finished.map((s) => s.id), ...reconstructions.map((r) => r.job.id)]) this.events.failed(id, err as Error);
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
        codes: codesOf(codes, row, this.positions),
        ...(sample.entropySum === undefined ? {} : { meanEntropy: sample.entropySum / steps }),
        ...(sample.entropyMapSum ? { entropy: this.entropyMaps(sample) } : {}),
        queueMs: sample.admittedAt - sample.submittedAt,
        computeMs: done - sample.admittedAt,
      });
    });
    reconstructions.forEach(({ job, z: latent, codes: encoded }, i) => {
      const reconstruction = pixelsOf(finished.length + i);
      this.events.encoded(job.id, { z: latent, codes: encoded, reconstruction, queueMs: job.startedAt - job.submittedAt, computeMs: done - job.startedAt });
    });
    const previewRow = finished.length + reconstructions.length;
    previews.forEach(({ sample, step }, i) => {
      // A sample cancelled (or finished) meanwhile has nobody waiting for a preview.
      if (!this.live.includes(sample)) return;
      this.events.progress?.(sample.id, { kind: 'preview', step, steps: sample.request.steps, pixels: pixelsOf(previewRow + i), width, height });
    });
  }

  /** The decoder's image and codes for each row: final z, reconstructions' z, previews' mu; dfm: the final codes. */
  private async decodeRows(finished: Sample[], reconstructions: Reconstruction[], previews: Preview[]): Promise<{ image: Float32Array; codes: BigInt64Array }> {
    if (this.mask !== undefined) {
      const codes = new BigInt64Array(finished.length * this.positions);
      finished.forEach((sample, row) => sample.discrete!.codes.forEach((code, p) => (codes[row * this.positions + p] = BigInt(code))));
      return { image: await this.runner.decodeCodes!(codes, finished.length), codes };
    }
    const latents = [...finished.map((s) => s.z), ...reconstructions.map((r) => r.z), ...previews.map((p) => p.mu)];
    const z = new Float32Array(latents.length * this.latentSize);
    latents.forEach((latent, row) => z.set(latent, row * this.latentSize));
    return this.runner.decode(z, latents.length);
  }

  private entropyMaps(sample: Sample): EntropyMaps {
    const { height, width } = this.shape.latent;
    const { steps, uncertaintyStep } = sample.request;
    const meanMap = Float32Array.from(sample.entropyMapSum!, (sum) => sum / steps);
    const atStep = sample.entropyAtStep && uncertaintyStep !== undefined ? { step: uncertaintyStep, map: sample.entropyAtStep } : undefined;
    return { height, width, mean: meanMap, ...(atStep ? { atStep } : {}) };
  }
}

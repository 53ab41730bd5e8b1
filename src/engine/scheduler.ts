// Continuous (iteration-level) batching: encode -> admit -> step -> retire -> decode.
// One iteration runs the step graph once over up to maxBatch live samples, each at its own t, class,
// cfg, tau(t) and sampler phase (sampler.ts: one stepper per sample); only the rows that need guidance
// at their t run the unconditional pass (the step graph's `guide` input); samples join and leave at
// iteration boundaries. A row's inputs depend on its own sample only, so a sample's bytes do not depend
// on its batch-mates. Encodes (encode-queue.ts) and decodes (decode-batcher.ts) batch on their own.
//
// Cancellation can arrive whenever a run is awaited (the worker handles messages then): a cancelled
// sample leaves the waiting and live lists at once and is marked, and whoever holds it across an
// await skips it afterwards, so a cancel never touches another sample.
import { DecodeBatcher, type Preview } from './decode-batcher.js';
import { EncodeQueue } from './encode-queue.js';
import type { EncodeRequest, EngineEvent, SampleRequest } from './protocol.js';
import type { ModelRunner, Shape, StepBatch, StepOutput } from './runner.js';
import { createSample, type Sample } from './sample.js';
import { guidedAt, tauAt } from './sampler.js';

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

export class Scheduler {
  private waiting: Sample[] = [];
  private live: Sample[] = [];
  private readonly encodes: EncodeQueue;
  private readonly decodes: DecodeBatcher;
  private iterations = 0;
  private readonly latentSize: number;
  private readonly positions: number;
  private readonly buffers: StepBatch;
  /** dfm: the code that stands for "masked" (K); undefined for models over a continuous latent. */
  private readonly maskToken: number | undefined;
  /** dfm: the size of a row of p(x_1 | x_t), K * h * w. */
  private readonly probsSize: number;

  constructor(
    private readonly runner: ModelRunner,
    private readonly shape: Shape,
    private readonly maxBatch: number,
    private readonly emit: (event: EngineEvent) => void,
  ) {
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError('maxBatch must be a positive integer');
    const { channels, height, width } = shape.latent;
    this.positions = height * width;
    this.latentSize = channels * this.positions;
    this.maskToken = shape.objective === 'dfm' ? shape.codebook_size : undefined;
    if (shape.objective === 'dfm' && (this.maskToken === undefined || runner.decodeCodes === undefined)) {
      throw new TypeError('a dfm model needs codebook_size and a runner that decodes codes');
    }
    this.probsSize = (this.maskToken ?? 0) * this.positions;
    this.encodes = new EncodeQueue(runner, shape.image, shape.latent, emit);
    this.decodes = new DecodeBatcher(runner, { image: shape.image, latent: shape.latent, maskToken: this.maskToken }, emit);
    this.buffers = {
      size: maxBatch,
      z: new Float32Array(this.maskToken === undefined ? maxBatch * this.latentSize : 0),
      ...(this.maskToken === undefined ? {} : { codes: new BigInt64Array(maxBatch * this.positions) }),
      t: new Float32Array(maxBatch),
      y: new BigInt64Array(maxBatch),
      cfg: new Float32Array(maxBatch),
      tau: new Float32Array(maxBatch),
      guide: new BigInt64Array(maxBatch),
    };
  }

  get hasWork(): boolean {
    return this.waiting.length > 0 || this.live.length > 0 || this.encodes.size > 0 || this.decodes.size > 0;
  }

  submit(id: number, request: SampleRequest): void {
    // Samples that must leave the batch before this one can join (0: it joins at the next iteration).
    const position = Math.max(0, this.waiting.length + 1 - (this.maxBatch - this.live.length));
    this.waiting.push(createSample(id, request, this.shape.latent, this.maskToken, performance.now()));
    if (request.progress) this.emit({ type: 'progress', id, event: { kind: 'queued', position } });
  }

  /** An image to encode at the next iteration, in one encode run with the others waiting then. */
  submitEncode(id: number, request: EncodeRequest): void {
    this.encodes.add(id, request);
  }

  /**
   * Removes a sample or an encoding wherever it is; a run in flight that holds it drops its row when it
   * returns. It consumes no further iteration and is never answered. False when the id is unknown.
   */
  cancel(id: number): boolean {
    const sample = [...this.waiting, ...this.live].find((s) => s.id === id);
    if (sample) {
      sample.cancelled = true;
      this.waiting = this.waiting.filter((s) => s !== sample);
      this.live = this.live.filter((s) => s !== sample);
      this.decodes.cancel(id); // its due previews
      return true;
    }
    const decoding = this.decodes.cancel(id);
    return this.encodes.cancel(id) || decoding;
  }

  /** One iteration: encode the images submitted since the last one, admit waiting samples (FIFO), run one step over all live ones, retire the finished, decode when due. */
  async iterate(): Promise<void> {
    if (this.encodes.size > 0) this.decodes.add(this.iterations, { reconstructions: await this.encodes.run(this.maxBatch) });
    this.admit();
    if (this.live.length > 0) await this.stepOnce(this.live.slice());
    if (this.decodes.due(this.iterations, this.live.length === 0 && this.waiting.length === 0)) await this.decodes.flush(this.iterations);
  }

  private admit(): void {
    const now = performance.now();
    while (this.live.length < this.maxBatch && this.waiting.length > 0) {
      const sample = this.waiting.shift()!;
      sample.admittedAt = now;
      this.live.push(sample);
    }
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
      if (sample.cancelled) return; // cancelled while the step ran: its row is dropped
      if (!this.apply(sample, output, row)) return; // Heun's predictor: the step is half done
      const { steps, previewEvery, progress } = sample.request;
      const step = sample.stepper.step;
      if (progress) this.emit({ type: 'progress', id: sample.id, event: { kind: 'step', step, steps } });
      if (step === steps) finished.push(sample);
      else if (sample.kind === 'latent' && previewEvery && step % previewEvery === 0) previews.push({ sample, step, mu: this.muOf(output, row).slice() });
    });
    this.retire(finished);
    this.emit({ type: 'iteration', batchSize: batch.length, seconds: (performance.now() - started) / 1000, unconditionalRows });
    this.decodes.add(this.iterations, { finished, previews });
  }

  /** Hands a sample its row of the step output (a dfm batch gives probs, any other mu); true when it completed a step. */
  private apply(sample: Sample, output: StepOutput, row: number): boolean {
    if (sample.kind === 'codes') {
      if (!('probs' in output)) throw new TypeError('a dfm step run must give probs');
      return sample.stepper.advance(output.probs.subarray(row * this.probsSize, (row + 1) * this.probsSize));
    }
    const entropy = 'mu' in output ? output.entropy?.subarray(row * this.positions, (row + 1) * this.positions) : undefined;
    const { stepper } = sample;
    if (entropy && stepper.atGridTime) sample.entropy.add(entropy, stepper.step); // at the grid times, the same points for every sampler
    return stepper.advance(this.muOf(output, row), sample.guided);
  }

  private muOf(output: StepOutput, row: number): Float32Array {
    if (!('mu' in output)) throw new TypeError('the step run of a latent model must give mu');
    return output.mu.subarray(row * this.latentSize, (row + 1) * this.latentSize);
  }

  /**
   * Each row's inputs: its own z (or Heun's z', or dfm's codes), its own t and tau(t), class and cfg,
   * and whether it is guided at t. An unguided row runs once: conditionally (cfg 1), or with the null
   * class (cfg 0).
   */
  private fill(batch: Sample[]): StepBatch {
    const n = batch.length;
    const { z, codes, t, y, cfg, tau, guide } = this.buffers;
    let guided = 0;
    batch.forEach((sample, row) => {
      const { request, stepper } = sample;
      const time = stepper.time;
      sample.guided = guidedAt(request.cfg, request.guidance, time);
      if (sample.kind === 'codes') sample.stepper.codes.forEach((code, p) => (codes![row * this.positions + p] = BigInt(code)));
      else z.set(sample.stepper.input, row * this.latentSize);
      t[row] = time;
      y[row] = BigInt(request.cfg === 0 ? this.shape.null_class : request.classId);
      cfg[row] = sample.guided ? request.cfg : 1;
      tau[row] = tauAt(request.tau, time);
      if (sample.guided) guide[guided++] = BigInt(row);
    });
    return {
      size: n,
      z: z.subarray(0, this.maskToken === undefined ? n * this.latentSize : 0),
      ...(codes ? { codes: codes.subarray(0, n * this.positions) } : {}),
      t: t.subarray(0, n),
      y: y.subarray(0, n),
      cfg: cfg.subarray(0, n),
      tau: tau.subarray(0, n),
      guide: guide.subarray(0, guided),
    };
  }

  /** Takes samples out of the live list by identity (never by a position another removal may have moved). */
  private retire(samples: readonly Sample[]): void {
    if (samples.length > 0) this.live = this.live.filter((sample) => !samples.includes(sample));
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
      if (sample.cancelled) continue;
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
    for (const sample of samples) if (!sample.cancelled) this.emit({ type: 'failed', id: sample.id, message: error.message });
  }
}

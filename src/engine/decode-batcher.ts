// Deferred decodes: finished samples, due previews and the reconstructions of encoded images share one
// decode run. Per image a decode at batch 16 costs about half of one at batch 1 (docs/performance.md),
// so finished samples wait for company: the run happens once DECODE_BATCH are ready, the oldest has
// waited DECODE_MAX_WAIT iterations, a preview is due, or the engine has nothing else to do.
import { codesOf, type Reconstruction } from './encode-queue.js';
import type { EngineEvent } from './protocol.js';
import type { ModelRunner } from './runner.js';
import { sampleResult, type LatentSample, type LatentGrid, type Sample } from './sample.js';
import { toRgbBytes } from './sampler.js';

const DECODE_BATCH = 4;
const DECODE_MAX_WAIT = 2;

/** The decode of a sample's mu after `step` steps (the sample may be further on when it decodes). */
export interface Preview {
  sample: LatentSample;
  step: number;
  mu: Float32Array;
}

interface Rows {
  finished: Sample[];
  previews: Preview[];
  reconstructions: Reconstruction[];
}

const noRows = (): Rows => ({ finished: [], previews: [], reconstructions: [] });

export interface DecodeShape {
  image: { height: number; width: number };
  latent: LatentGrid;
  /** dfm: samples and reconstructions decode from their codes. */
  maskToken: number | undefined;
}

export class DecodeBatcher {
  private pending = noRows();
  /** The rows of the decode run in flight: a cancel can only mark them. */
  private running = noRows();
  /** The iteration the oldest pending row joined at. */
  private since = 0;

  constructor(
    private readonly runner: ModelRunner,
    private readonly shape: DecodeShape,
    private readonly emit: (event: EngineEvent) => void,
  ) {}

  get size(): number {
    const { finished, previews, reconstructions } = this.pending;
    return finished.length + previews.length + reconstructions.length;
  }

  add(iteration: number, rows: Partial<Rows>): void {
    const { finished = [], previews = [], reconstructions = [] } = rows;
    if (finished.length + previews.length + reconstructions.length === 0) return;
    if (this.size === 0) this.since = iteration;
    this.pending.finished.push(...finished);
    this.pending.previews.push(...previews);
    this.pending.reconstructions.push(...reconstructions);
  }

  /** idle: nothing is sampling or waiting to, so nothing would join the run by waiting. */
  due(iteration: number, idle: boolean): boolean {
    const { finished, previews, reconstructions } = this.pending;
    if (this.size === 0) return false;
    // Previews are progress a client is watching: they decode at once (finished samples ride along).
    return idle || previews.length > 0 || finished.length + reconstructions.length >= DECODE_BATCH || iteration - this.since >= DECODE_MAX_WAIT;
  }

  /** Drops the pending rows of `id`, or marks its rows in the run in flight; true when a sample or an encoding of that id was here. */
  cancel(id: number): boolean {
    const { finished, previews, reconstructions } = this.pending;
    const before = finished.length + reconstructions.length;
    this.pending = {
      finished: finished.filter((sample) => sample.id !== id),
      previews: previews.filter((preview) => preview.sample.id !== id),
      reconstructions: reconstructions.filter((r) => r.job.id !== id),
    };
    let found = this.pending.finished.length + this.pending.reconstructions.length < before;
    for (const sample of this.running.finished) if (sample.id === id && !sample.cancelled) found = sample.cancelled = true;
    for (const { job } of this.running.reconstructions) if (job.id === id && !job.cancelled) found = job.cancelled = true;
    return found;
  }

  /** One decode run over every pending row: final z (dfm: codes), then reconstructions, then previews' mu. */
  async flush(iteration: number): Promise<void> {
    const rows = this.pending;
    this.pending = noRows();
    this.since = iteration;
    this.running = rows;
    try {
      await this.decode(rows);
    } finally {
      this.running = noRows();
    }
  }

  private async decode({ finished, previews, reconstructions }: Rows): Promise<void> {
    const started = performance.now();
    let image: Float32Array;
    let codes: BigInt64Array;
    try {
      ({ image, codes } = await this.decodeRows(finished, reconstructions, previews));
    } catch (err) {
      const message = (err as Error).message;
      for (const sample of finished) if (!sample.cancelled) this.emit({ type: 'failed', id: sample.id, message });
      for (const { job } of reconstructions) if (!job.cancelled) this.emit({ type: 'failed', id: job.id, message });
      return; // previews are best effort; the samples fail at their own final decode if it persists
    }
    const done = performance.now();
    this.emit({ type: 'decodeRun', batchSize: finished.length + reconstructions.length + previews.length, seconds: (done - started) / 1000 });
    const { height, width } = this.shape.image;
    const { height: rows, width: columns } = this.shape.latent;
    const imageSize = 3 * height * width;
    const imageOf = (row: number) => ({ pixels: toRgbBytes(image.subarray(row * imageSize, (row + 1) * imageSize), height, width), width, height });
    finished.forEach((sample, row) => {
      if (!sample.cancelled) this.emit({ type: 'done', id: sample.id, result: sampleResult(sample, imageOf(row), codesOf(codes, row, rows * columns), done) });
    });
    reconstructions.forEach(({ job, z, codes: encoded }, i) => {
      if (job.cancelled) return;
      const reconstruction = imageOf(finished.length + i).pixels;
      this.emit({ type: 'encoded', id: job.id, result: { z, codes: encoded, reconstruction, queueMs: job.startedAt - job.submittedAt, computeMs: done - job.startedAt } });
    });
    const previewRow = finished.length + reconstructions.length;
    previews.forEach(({ sample, step }, i) => {
      if (sample.cancelled) return; // nobody is watching any more
      this.emit({ type: 'progress', id: sample.id, event: { kind: 'preview', step, steps: sample.request.steps, ...imageOf(previewRow + i) } });
    });
  }

  /** The decoder's image and codes for each row; a dfm model decodes codes (it has no previews). */
  private async decodeRows(finished: Sample[], reconstructions: Reconstruction[], previews: Preview[]): Promise<{ image: Float32Array; codes: BigInt64Array }> {
    const positions = this.shape.latent.height * this.shape.latent.width;
    if (this.shape.maskToken !== undefined) {
      // an engine's samples are all of its model's kind: codes here, latents below
      const all = [...finished.flatMap((sample) => (sample.kind === 'codes' ? [sample.stepper.codes] : [])), ...reconstructions.map((r) => r.codes)];
      const codes = new BigInt64Array(all.length * positions);
      all.forEach((row, r) => row.forEach((code, p) => (codes[r * positions + p] = BigInt(code))));
      return { image: await this.runner.decodeCodes!(codes, all.length), codes };
    }
    const size = this.shape.latent.channels * positions;
    const latents = [...finished.flatMap((sample) => (sample.kind === 'latent' ? [sample.stepper.z] : [])), ...reconstructions.map((r) => r.z), ...previews.map((p) => p.mu)];
    const z = new Float32Array(latents.length * size);
    latents.forEach((latent, row) => z.set(latent, row * size));
    return this.runner.decode(z, latents.length);
  }
}

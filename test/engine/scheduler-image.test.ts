// The scheduler starting from an image: the time grid over [t0, 1], z_t0 = t0 z_1 + (1 - t0) z_0, the
// kept cells of a mask on their path after every step (ending exactly at z_1), strength 1 equal to no
// image, and encodes batched into one run with their reconstructions decoded beside finished samples.
import t from 'tap';
import { GaussianRng } from '../../src/engine/rng.js';
import { timeAt } from '../../src/engine/sampler.js';
import { Scheduler } from '../../src/engine/scheduler.js';
import type { ModelRunner, Shape, StepBatch } from '../../src/engine/runner.js';
import { on } from './events.js';
import type { EncodeResult, SampleRequest, SampleResult } from '../../src/engine/protocol.js';

const CELLS = 4; // latent 1 x 2 x 2, image 2 x 2
const shape: Shape = { latent: { channels: 1, height: 2, width: 2 }, image: { height: 2, width: 2 }, null_class: 9 };

/** mu depends on z and t, so a wrong start or a wrong kept cell changes what the model sees. */
class ImageModel implements ModelRunner {
  rows: { t: number; z: number[] }[] = [];
  encodes: number[] = [];
  decodes: number[] = [];
  decodedZ: number[][] = [];
  async step(batch: StepBatch) {
    const mu = new Float32Array(batch.z.length);
    for (let row = 0; row < batch.size; row++) {
      const z = batch.z.subarray(row * CELLS, (row + 1) * CELLS);
      this.rows.push({ t: batch.t[row]!, z: Array.from(z) });
      for (let p = 0; p < CELLS; p++) mu[row * CELLS + p] = Math.tanh(z[p]! + batch.t[row]!) + p;
    }
    return { mu, entropy: new Float32Array(batch.size * CELLS) };
  }
  async decode(z: Float32Array, size: number) {
    this.decodes.push(size);
    const image = new Float32Array(size * 3 * CELLS);
    for (let r = 0; r < size; r++) {
      this.decodedZ.push(Array.from(z.subarray(r * CELLS, (r + 1) * CELLS)));
      for (let c = 0; c < 3; c++) image.set(z.subarray(r * CELLS, (r + 1) * CELLS), (r * 3 + c) * CELLS);
    }
    return { image, codes: BigInt64Array.from(z, (v) => BigInt(Math.round(v * 10))) };
  }
  /** z = the red channel in [-1, 1]; code = round(10 z). */
  async encode(image: Float32Array, size: number) {
    this.encodes.push(size);
    const z = new Float32Array(size * CELLS);
    for (let r = 0; r < size; r++) z.set(image.subarray(r * 3 * CELLS, r * 3 * CELLS + CELLS), r * CELLS);
    return { z, codes: BigInt64Array.from(z, (v) => BigInt(Math.round(v * 10))) };
  }
}

function harness(model: ModelRunner, maxBatch = 8) {
  const done = new Map<number, SampleResult>();
  const encoded = new Map<number, EncodeResult>();
  const failed = new Map<number, string>();
  const scheduler = new Scheduler(model, shape, maxBatch, on({
    done: ({ id, result }) => done.set(id, result),
    encoded: ({ id, result }) => encoded.set(id, result),
    failed: ({ id, message }) => failed.set(id, message),
  }));
  const run = async () => {
    while (scheduler.hasWork) await scheduler.iterate();
  };
  return { scheduler, done, encoded, failed, run };
}

const base: SampleRequest = { classId: 0, tau: 1, cfg: 1, steps: 4, seed: 5 };
const z1 = Float32Array.from([0.5, -0.25, 1, -1]);
const z0 = new GaussianRng(base.seed).fillGaussian(new Float32Array(CELLS));
const path = (time: number, p: number) => Math.fround(time * z1[p]! + (1 - time) * z0[p]!);

t.test('from an image: steps over [t0, 1] from z_t0 = t0 z_1 + (1 - t0) z_0', async (t) => {
  for (const sampler of ['euler', 'heun'] as const) {
    const model = new ImageModel();
    const h = harness(model);
    h.scheduler.submit(1, { ...base, sampler, start: { z1, strength: 0.6 } });
    await h.run();
    const times = model.rows.map((r) => r.t);
    const grid = [0.4, 0.55, 0.7, 0.85].map(Math.fround);
    t.same(times, sampler === 'euler' ? grid : [grid[0], grid[1], grid[1], grid[2], grid[2], grid[3], grid[3]], `${sampler}: t = t0 + (1 - t0) s / T (Heun's corrector at the next one)`);
    t.same(model.rows[0]!.z, [0, 1, 2, 3].map((p) => path(0.4, p)), `${sampler}: the first row is z_t0`);
    t.equal(h.done.size, 1);
  }
});

t.test('strength 1 without a mask is the request without an image, bit for bit', async (t) => {
  for (const sampler of ['euler', 'heun'] as const) {
    const [plain, image] = [new ImageModel(), new ImageModel()];
    const [a, b] = [harness(plain), harness(image)];
    a.scheduler.submit(1, { ...base, sampler, steps: 5 });
    b.scheduler.submit(1, { ...base, sampler, steps: 5, start: { z1, strength: 1 } });
    await Promise.all([a.run(), b.run()]);
    t.same(image.rows, plain.rows, `${sampler}: every row the model sees`);
    t.same(Array.from(b.done.get(1)!.pixels), Array.from(a.done.get(1)!.pixels));
  }
});

t.test('a mask keeps its cells on t z_1 + (1 - t) z_0 after every step, ending exactly at z_1', async (t) => {
  const mask = Uint8Array.from([1, 0, 0, 1]); // cells 1 and 2 kept
  for (const [sampler, strength] of [['euler', 1], ['euler', 0.3], ['heun', 0.8]] as const) {
    const model = new ImageModel();
    const h = harness(model);
    h.scheduler.submit(1, { ...base, sampler, start: { z1, strength, mask } });
    await h.run();
    // The grid times in float64, as the scheduler computes them (the model sees them in float32).
    const grid = [0, 1, 2, 3].map((s) => timeAt(s, base.steps, 1 - strength));
    for (const row of model.rows) {
      const time = grid.find((g) => Math.fround(g) === row.t)!;
      t.same([row.z[1], row.z[2]], [path(time, 1), path(time, 2)], `${sampler} ${strength}: kept cells at t = ${time}`);
    }
    const final = model.decodedZ[0]!;
    t.same([final[1], final[2]], [z1[1], z1[2]], `${sampler} ${strength}: exactly z_1 at the end`);
    t.notSame([final[0], final[3]], [z1[0], z1[3]], 'the regenerated cells are the model\'s');
    t.same(Array.from(h.done.get(1)!.codes), final.map((v) => Math.round(v * 10)), 'the result carries the decoder\'s codes');
  }
});

t.test('images to encode share one run; reconstructions decode in the same run as finished samples', async (t) => {
  const model = new ImageModel();
  const h = harness(model);
  const pixels = (red: number) => Uint8Array.from({ length: CELLS * 3 }, (_, i) => (i % 3 === 0 ? red + i : 0));
  h.scheduler.submit(9, { ...base, steps: 1 });
  h.scheduler.submitEncode(1, { pixels: pixels(0), reconstruct: true });
  h.scheduler.submitEncode(2, { pixels: pixels(100) });
  h.scheduler.submitEncode(3, { pixels: pixels(200), reconstruct: true });
  await h.scheduler.iterate();
  t.same(model.encodes, [3], 'one encode run of three');
  t.same(model.decodes, [3], 'the sample and both reconstructions in one decode run');
  t.notOk(h.scheduler.hasWork);
  t.equal(h.done.size, 1);
  for (const [id, red] of [[1, 0], [2, 100], [3, 200]] as const) {
    const result = h.encoded.get(id)!;
    const z = [0, 1, 2, 3].map((p) => (red + 3 * p) / 127.5 - 1);
    t.same(Array.from(result.z), z.map(Math.fround), `image ${id}: x / 127.5 - 1 through the encoder`);
    t.same(Array.from(result.codes), z.map((v) => Math.round(Math.fround(v) * 10)));
    t.equal(result.reconstruction === undefined, id === 2, `image ${id}: a reconstruction only when asked for`);
  }
  t.same(Array.from(h.encoded.get(3)!.reconstruction!.subarray(0, 3)), [200, 200, 200], 'the decode of z, as RGB');
});

t.test('past maxBatch, encodes take several runs; a cancelled one never runs', async (t) => {
  const model = new ImageModel();
  const h = harness(model, 2);
  for (let id = 1; id <= 5; id++) h.scheduler.submitEncode(id, { pixels: new Uint8Array(CELLS * 3) });
  t.ok(h.scheduler.cancel(4));
  await h.run();
  t.same(model.encodes, [2, 2]);
  t.same([...h.encoded.keys()].sort(), [1, 2, 3, 5]);
});

t.test('a model without an encoder fails the encoding, not the engine', async (t) => {
  const inner = new ImageModel();
  const h = harness({ step: (batch) => inner.step(batch), decode: (z, size) => inner.decode(z, size) });
  h.scheduler.submitEncode(1, { pixels: new Uint8Array(CELLS * 3) });
  h.scheduler.submit(2, { ...base, steps: 1 });
  await h.run();
  t.match(h.failed.get(1), /no encode graph/);
  t.ok(h.done.has(2), 'the sample beside it is done');
});

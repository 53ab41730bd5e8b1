// Which rows run the unconditional pass: the scheduler's `guide` list per step run, the class and cfg
// each row is sent with, the guidance interval, and the multistep sampler's use of the previous evaluation.
import t from 'tap';
import { GaussianRng } from '../../src/engine/rng.js';
import { Scheduler } from '../../src/engine/scheduler.js';
import type { ModelRunner, Shape, StepBatch } from '../../src/engine/runner.js';
import { on } from './events.js';
import { logSnrMultistepUpdate, multistepUpdate, stepSize, timeAt, type MuHistory } from '../../src/engine/sampler.js';
import type { SampleRequest } from '../../src/engine/protocol.js';

const LATENT = 4; // 1 x 2 x 2
const NULL = 9;
const shape: Shape = { latent: { channels: 1, height: 2, width: 2 }, image: { height: 2, width: 2 }, null_class: NULL };

interface Run {
  y: number[];
  cfg: number[];
  t: number[];
  guide: number[];
}

/** mu = a function of the row's own z, t, class and cfg; records every step run and the decoded z. */
class GuideRecorder implements ModelRunner {
  runs: Run[] = [];
  decoded: number[][] = [];
  constructor(private readonly muOf: (z: number, t: number, y: number, cfg: number) => number = (z, time, y) => 0.1 * y + z * time) {}
  async step(batch: StepBatch) {
    this.runs.push({ y: Array.from(batch.y, Number), cfg: Array.from(batch.cfg), t: Array.from(batch.t), guide: Array.from(batch.guide, Number) });
    const mu = new Float32Array(batch.z.length);
    for (let row = 0; row < batch.size; row++) {
      for (let p = 0; p < LATENT; p++) mu[row * LATENT + p] = this.muOf(batch.z[row * LATENT + p]!, batch.t[row]!, Number(batch.y[row]), batch.cfg[row]!);
    }
    return { mu, entropy: new Float32Array(batch.size * LATENT) };
  }
  async decode(z: Float32Array, size: number) {
    for (let r = 0; r < size; r++) this.decoded.push(Array.from(z.subarray(r * LATENT, (r + 1) * LATENT)));
    return { image: new Float32Array(size * 12), codes: new BigInt64Array(size * LATENT) };
  }
}

/** The multistep loop of sampler.ts by hand, for one sample whose mu is muOf(z, t, cfg at that t). */
function byHand(request: SampleRequest, muOf: (z: number, t: number, cfg: number) => number, cfgAt: (t: number) => number): number[] {
  const { steps, grid = 'uniform' } = request;
  const z = new GaussianRng(request.seed).fillGaussian(new Float32Array(LATENT));
  let previous: (MuHistory & { cfg: number }) | undefined;
  for (let s = 0; s < steps; s++) {
    const time = timeAt(s, steps, 0, grid);
    const cfg = cfgAt(time);
    const mu = Float32Array.from(z, (value) => muOf(value, Math.fround(time), cfg));
    const update = request.sampler === 'logsnr-multistep' ? logSnrMultistepUpdate : multistepUpdate;
    update(z, mu, time, stepSize(s, steps, 0, grid), previous?.cfg === cfg ? previous : undefined);
    previous = { mu, t: time, cfg };
  }
  return Array.from(z);
}

async function run(model: GuideRecorder, requests: SampleRequest[]) {
  const unconditional: number[] = [];
  const scheduler = new Scheduler(model, shape, 8, on({
    iteration: ({ unconditionalRows }) => unconditional.push(unconditionalRows),
    failed: ({ id, message }) => t.fail(`sample ${id} failed: ${message}`),
  }));
  requests.forEach((request, id) => scheduler.submit(id, request));
  while (scheduler.hasWork) await scheduler.iterate();
  return unconditional;
}

const base: SampleRequest = { classId: 2, tau: 1, cfg: 3, steps: 4, seed: 1 };

t.test('only rows with cfg outside {0, 1} are guided; cfg 0 runs once with the null class', async (t) => {
  const model = new GuideRecorder();
  const unconditional = await run(model, [{ ...base, cfg: 0 }, { ...base, cfg: 1 }, { ...base, cfg: 3 }, { ...base, cfg: 0.5 }]);
  t.equal(model.runs.length, 4);
  for (const step of model.runs) {
    t.same(step.guide, [2, 3], 'the guide list names the guided rows');
    t.same(step.y, [NULL, 2, 2, 2], 'cfg 0: the null class; the others their own');
    t.same(step.cfg, [1, 1, 3, 0.5], 'unguided rows are their conditional pass (cfg 1)');
  }
  t.same(unconditional, [2, 2, 2, 2], 'the iteration event counts the unconditional rows');
});

t.test('the guidance interval: guided at the grid times inside [from, to] only', async (t) => {
  const model = new GuideRecorder();
  await run(model, [{ ...base, steps: 5, guidance: { from: 0.2, to: 0.6 } }, { ...base, steps: 5 }]);
  t.same(model.runs.map((r) => r.t[0]), [0, 0.2, 0.4, 0.6, 0.8].map((x) => Math.fround(x)));
  t.same(model.runs.map((r) => r.guide), [[1], [0, 1], [0, 1], [0, 1], [1]]);
  t.same(model.runs.map((r) => r.cfg[0]), [1, 3, 3, 3, 1]);
});

t.test('guidance changes the sample only through the guided evaluations', async (t) => {
  // With cfg 1 every evaluation is conditional: the same as a cfg-3 request whose interval is empty.
  const a = new GuideRecorder();
  await run(a, [{ ...base, cfg: 1 }]);
  const b = new GuideRecorder();
  await run(b, [{ ...base, guidance: { from: 2, to: 2 } }]);
  t.same(b.runs.map((r) => r.guide), [[], [], [], []]);
  t.same(b.runs.map((r) => r.cfg), a.runs.map((r) => r.cfg));
});

t.test('multistep through the scheduler: T evaluations on the chosen grid, the update of sampler.ts', async (t) => {
  const muOf = (z: number, time: number): number => 0.5 + z * time * time;
  const model = new GuideRecorder(muOf);
  const request: SampleRequest = { ...base, cfg: 1, steps: 6, sampler: 'multistep', grid: 'quadratic' };
  await run(model, [request]);
  t.same(model.runs.map((r) => r.t[0]), [0, 1, 2, 3, 4, 5].map((s) => Math.fround(timeAt(s, 6, 0, 'quadratic'))));
  t.same(model.decoded, [byHand(request, muOf, () => 1)]);
});

t.test('logsnr-multistep through the scheduler on the early grid: the update of sampler.ts', async (t) => {
  const muOf = (z: number, time: number): number => 0.5 + z * time * time;
  const model = new GuideRecorder(muOf);
  const request: SampleRequest = { ...base, cfg: 1, steps: 6, sampler: 'logsnr-multistep', grid: 'early' };
  await run(model, [request]);
  t.same(model.runs.map((r) => r.t[0]), [0, 1, 2, 3, 4, 5].map((s) => Math.fround((s / 6) ** 2)));
  t.same(model.decoded, [byHand(request, muOf, () => 1)]);
  t.not(byHand(request, muOf, () => 1)[0], byHand({ ...request, sampler: 'multistep' }, muOf, () => 1)[0], 'not the t-linear multistep');
});

t.test('multistep does not extrapolate across a switch of guidance', async (t) => {
  // mu depends on cfg, so it jumps where the interval ends (after t = 0.25 of 0, 0.25, 0.5, 0.75).
  const muOf = (z: number, time: number, _y: number, cfg: number): number => 0.2 * cfg + z * time;
  const model = new GuideRecorder(muOf);
  const request: SampleRequest = { ...base, steps: 4, sampler: 'multistep', guidance: { from: 0, to: 0.3 } };
  await run(model, [request]);
  t.same(model.runs.map((r) => r.guide.length), [1, 1, 0, 0]);
  const cfgAt = (time: number): number => (time <= 0.3 ? 3 : 1);
  const mu = (z: number, time: number, cfg: number): number => muOf(z, time, 0, cfg);
  t.same(model.decoded, [byHand(request, mu, cfgAt)], 'an Euler step where guidance switched');
  const extrapolating = new GaussianRng(request.seed).fillGaussian(new Float32Array(LATENT));
  let previous: MuHistory | undefined;
  for (let s = 0; s < 4; s++) {
    const time = timeAt(s, 4);
    const m = Float32Array.from(extrapolating, (value) => mu(value, Math.fround(time), cfgAt(time)));
    multistepUpdate(extrapolating, m, time, stepSize(s, 4), previous);
    previous = { mu: m, t: time };
  }
  t.notSame(model.decoded[0], Array.from(extrapolating), 'which extrapolating across the jump would not give');
});

// The scheduler's per-sample sampling state: Heun's two evaluations per step, tau(t) per row,
// entropy maps, progress events and previews decoded in the same run as finished samples.
import t from 'tap';
import { GaussianRng } from '../../src/engine/rng.js';
import { tauAt, toRgbBytes } from '../../src/engine/sampler.js';
import { Scheduler } from '../../src/engine/scheduler.js';
import type { ModelRunner, Shape, StepBatch } from '../../src/engine/runner.js';
import { on } from './events.js';
import type { ProgressEvent, SampleRequest, SampleResult } from '../../src/engine/protocol.js';

const LATENT = 4; // 1 x 2 x 2
const shape: Shape = { latent: { channels: 1, height: 2, width: 2 }, image: { height: 2, width: 2 }, null_class: 9 };

interface Row {
  y: number;
  t: number;
  tau: number;
  z: number[];
}

/** mu and entropy from a per-element formula of the row's own inputs; records rows and decodes. */
class RecordingModel implements ModelRunner {
  rows: Row[] = [];
  decodes: number[] = [];
  decodedZ: number[][] = [];
  constructor(
    private readonly muOf: (z: number, t: number, tau: number, y: number) => number,
    private readonly entropyOf: (position: number, t: number) => number = () => 0.5,
  ) {}
  async step(batch: StepBatch) {
    const mu = new Float32Array(batch.z.length);
    const entropy = new Float32Array(batch.size * LATENT);
    for (let row = 0; row < batch.size; row++) {
      const [y, time, tau] = [Number(batch.y[row]!), batch.t[row]!, batch.tau[row]!];
      this.rows.push({ y, t: time, tau, z: Array.from(batch.z.subarray(row * LATENT, (row + 1) * LATENT)) });
      for (let p = 0; p < LATENT; p++) {
        mu[row * LATENT + p] = this.muOf(batch.z[row * LATENT + p]!, time, tau, y);
        entropy[row * LATENT + p] = this.entropyOf(p, time);
      }
    }
    return { mu, entropy };
  }
  async decode(z: Float32Array, size: number) {
    this.decodes.push(size);
    const image = new Float32Array(size * 12);
    for (let r = 0; r < size; r++) {
      this.decodedZ.push(Array.from(z.subarray(r * LATENT, (r + 1) * LATENT)));
      for (let c = 0; c < 3; c++) image.set(z.subarray(r * LATENT, (r + 1) * LATENT), r * 12 + c * LATENT);
    }
    return { image, codes: new BigInt64Array(size * LATENT) };
  }
}

function harness(model: RecordingModel, maxBatch = 8) {
  const done = new Map<number, SampleResult>();
  const events: [number, ProgressEvent][] = [];
  const scheduler = new Scheduler(model, shape, maxBatch, on({
    progress: ({ id, event }) => events.push([id, event]),
    done: ({ id, result }) => done.set(id, result),
    failed: ({ id, message }) => t.fail(`sample ${id} failed: ${message}`),
  }));
  const run = async () => {
    while (scheduler.hasWork) await scheduler.iterate();
  };
  return { scheduler, done, events, run };
}

const base: SampleRequest = { classId: 0, tau: 1, cfg: 1, steps: 4, seed: 5 };

t.test('Heun through the scheduler: 2T - 1 evaluations, second-order error where Euler is first-order', async (t) => {
  // mu = z + (1 - t) 3t^2  =>  v = 3t^2, so z(1) = z0 + 1 exactly.
  const error = async (sampler: 'euler' | 'heun', steps: number) => {
    const model = new RecordingModel((z, time) => z + (1 - time) * 3 * time * time);
    const h = harness(model);
    h.scheduler.submit(1, { ...base, steps, sampler });
    await h.run();
    t.equal(model.rows.length, sampler === 'heun' ? 2 * steps - 1 : steps, `${sampler} T=${steps}: evaluations`);
    const z0 = new GaussianRng(base.seed).fillGaussian(new Float32Array(LATENT));
    return Math.max(...model.decodedZ[0]!.map((z, i) => Math.abs(z - (z0[i]! + 1))));
  };
  const [euler8, euler16, heun8, heun16] = [await error('euler', 8), await error('euler', 16), await error('heun', 8), await error('heun', 16)];
  t.ok(euler8 / euler16 > 1.7 && euler8 / euler16 < 2.3, `Euler error halves with twice the steps (${euler8} -> ${euler16})`);
  t.ok(heun8 / heun16 > 3.3 && heun8 / heun16 < 4.7, `Heun error quarters with twice the steps (${heun8} -> ${heun16})`);
  t.ok(heun8 < euler8 / 3, `Heun beats Euler at T = 8 (${heun8} vs ${euler8})`);
});

t.test('every row gets its own t and tau(t): Heun\'s corrector at t + h, a schedule beside a constant', async (t) => {
  const model = new RecordingModel((z, time, tau) => Math.tanh(z * tau + time));
  const h = harness(model);
  const schedule = { start: 1, end: 3 };
  h.scheduler.submit(1, { ...base, classId: 1, tau: schedule, sampler: 'heun' });
  h.scheduler.submit(2, { ...base, classId: 2, tau: 0.5, steps: 3 });
  await h.run();
  const heunRows = model.rows.filter((r) => r.y === 1);
  t.same(heunRows.map((r) => r.t), [0, 0.25, 0.25, 0.5, 0.5, 0.75, 0.75], 'predictor at s/T, corrector at (s+1)/T, Euler last step');
  for (const row of heunRows) t.ok(Math.abs(row.tau - tauAt(schedule, row.t)) < 1e-6, `tau(${row.t}) = ${row.tau}`);
  t.same(model.rows.filter((r) => r.y === 2).map((r) => r.tau), [0.5, 0.5, 0.5]);
});

t.test('a Heun sample with a schedule follows the same trajectory alone or among Euler batch-mates', async (t) => {
  const mu = (z: number, time: number, tau: number, y: number) => Math.tanh(z + y - time) / tau;
  const target: SampleRequest = { ...base, classId: 3, steps: 6, sampler: 'heun', tau: { start: 0.5, end: 2 }, seed: 42 };
  const alone = new RecordingModel(mu);
  const a = harness(alone, 1);
  a.scheduler.submit(0, target);
  await a.run();
  const crowd = new RecordingModel(mu);
  const c = harness(crowd);
  for (let i = 1; i < 5; i++) c.scheduler.submit(i, { ...base, classId: i % 3, steps: 2 + i, tau: 0.3 * i, seed: i });
  await c.scheduler.iterate();
  c.scheduler.submit(0, target);
  await c.run();
  t.same(crowd.rows.filter((r) => r.y === 3), alone.rows.filter((r) => r.y === 3));
  t.same(Array.from(c.done.get(0)!.pixels), Array.from(a.done.get(0)!.pixels));
});

t.test('uncertainty: per-position entropy averaged over the grid times, and at the chosen step', async (t) => {
  for (const sampler of ['euler', 'heun'] as const) {
    const model = new RecordingModel((z) => z / 2, (p, time) => p + time);
    const h = harness(model);
    h.scheduler.submit(1, { ...base, sampler, uncertainty: true, uncertaintyStep: 2 });
    h.scheduler.submit(2, { ...base, sampler, seed: 9 });
    await h.run();
    const { entropy, meanEntropy } = h.done.get(1)!;
    const meanT = (0 + 0.25 + 0.5 + 0.75) / 4; // Heun's corrector evaluations at t + h do not count
    t.same(Array.from(entropy!.mean), [0, 1, 2, 3].map((p) => p + meanT), `${sampler}: mean over the trajectory`);
    t.same(entropy!.atStep?.step, 2);
    t.same(Array.from(entropy!.atStep!.map), [0.5, 1.5, 2.5, 3.5], `${sampler}: at step 2 (t = 0.5)`);
    t.same([entropy!.height, entropy!.width], [2, 2]);
    t.ok(Math.abs(meanEntropy! - (1.5 + meanT)) < 1e-6, 'the scalar mean is the mean of the map');
    t.equal(h.done.get(2)!.entropy, undefined, 'no maps unless asked for');
  }
});

t.test('progress: queued position, every step, previews of mu decoded in deferred runs with finished samples', async (t) => {
  const model = new RecordingModel((z, time) => z * 0.5 + time);
  const h = harness(model, 2);
  h.scheduler.submit(1, { ...base, steps: 5, previewEvery: 2, progress: true });
  h.scheduler.submit(2, { ...base, steps: 2, seed: 6 }); // finishes when 1 is due its first preview
  h.scheduler.submit(3, { ...base, steps: 1, seed: 7, progress: true }); // waits for a slot
  await h.run();
  const of = (id: number) => h.events.filter(([i]) => i === id).map(([, e]) => (e.kind === 'queued' ? `queued:${e.position}` : `${e.kind}:${e.step}`));
  t.same(of(1), ['queued:0', 'step:1', 'step:2', 'preview:2', 'step:3', 'step:4', 'preview:4', 'step:5']);
  t.same(of(3), ['queued:1', 'step:1']);
  t.same(h.events.filter(([i]) => i === 2), [], 'no events for a sample that did not ask');
  // Previews decode at once, with the finished samples waiting for a decode: 2 + preview at
  // iteration 2, 3 (finished at 3, deferred) + preview at iteration 4, then 1 alone.
  t.same(model.decodes, [2, 2, 1]);
  const preview = h.events.find(([i, e]) => i === 1 && e.kind === 'preview')![1];
  if (preview.kind !== 'preview') throw new Error('unreachable');
  // The preview decodes mu of that iteration: the model's mu for sample 1's row at its second step.
  const row = model.rows.filter((r) => r.y === 0 && Math.abs(r.t - 0.2) < 1e-6)[0]!;
  const mu = Float32Array.from(row.z, (z) => z * 0.5 + row.t);
  const image = new Float32Array(12);
  for (let c = 0; c < 3; c++) image.set(mu, c * 4);
  t.same(Array.from(preview.pixels), Array.from(toRgbBytes(image, 2, 2)));
  t.same([preview.width, preview.height, preview.steps], [2, 2, 5]);
});

// Cancellation is race-free: a cancel that arrives while a step, encode or decode run is awaited (the
// worker handles messages then) marks its sample, which is skipped after the await and never retires,
// fails or answers in place of another. Every other sample finishes with the bytes it has alone.
import t, { type Test } from 'tap';
import { Scheduler } from '../../src/engine/scheduler.js';
import type { ModelRunner, Shape, StepBatch } from '../../src/engine/runner.js';
import type { EncodeResult, SampleRequest, SampleResult } from '../../src/engine/protocol.js';
import { on } from './events.js';

const CELLS = 4; // latent 1 x 2 x 2, image 2 x 2
const shape: Shape = { latent: { channels: 1, height: 2, width: 2 }, image: { height: 2, width: 2 }, null_class: 9 };

/** A model whose rows depend on their own inputs only; `during` runs inside a run, as a message would arrive. */
class InterruptedModel implements ModelRunner {
  steps = 0;
  during: { step?: (run: number, batch: StepBatch) => void; encode?: () => void; decode?: () => void } = {};
  async step(batch: StepBatch) {
    this.steps += 1;
    this.during.step?.(this.steps, batch);
    const mu = new Float32Array(batch.z.length);
    for (let i = 0; i < mu.length; i++) {
      const row = Math.floor(i / CELLS);
      mu[i] = Math.tanh(batch.z[i]! + Number(batch.y[row]!) * 0.3 - batch.t[row]!);
    }
    return { mu, entropy: new Float32Array(batch.size * CELLS).fill(0.5) };
  }
  async decode(z: Float32Array, size: number) {
    this.during.decode?.();
    const image = new Float32Array(size * 3 * CELLS);
    for (let r = 0; r < size; r++) for (let c = 0; c < 3; c++) image.set(z.subarray(r * CELLS, (r + 1) * CELLS), (r * 3 + c) * CELLS);
    return { image, codes: new BigInt64Array(size * CELLS) };
  }
  async encode(image: Float32Array, size: number) {
    this.during.encode?.();
    const z = new Float32Array(size * CELLS);
    for (let r = 0; r < size; r++) z.set(image.subarray(r * 3 * CELLS, r * 3 * CELLS + CELLS), r * CELLS);
    return { z, codes: new BigInt64Array(size * CELLS) };
  }
}

function harness(maxBatch = 8) {
  const model = new InterruptedModel();
  const done = new Map<number, SampleResult>();
  const encoded = new Map<number, EncodeResult>();
  const failed = new Map<number, string>();
  const answered: number[] = [];
  const scheduler = new Scheduler(
    model,
    shape,
    maxBatch,
    on({
      done: ({ id, result }) => (done.set(id, result), answered.push(id)),
      encoded: ({ id, result }) => (encoded.set(id, result), answered.push(id)),
      failed: ({ id, message }) => (failed.set(id, message), answered.push(id)),
    }),
  );
  const run = async () => {
    while (scheduler.hasWork) await scheduler.iterate();
  };
  return { model, scheduler, done, encoded, failed, answered, run };
}

/** Sample i: its own class, seed and length (ids 1..n; lengths 3, 4, 5, 3, 4, 5, ...). */
const request = (id: number): SampleRequest => ({ classId: id % 4, tau: 1, cfg: 1, steps: 3 + ((id - 1) % 3), seed: 100 + id });

/** Each sample's pixels when it runs alone. */
async function alone(ids: number[]): Promise<Map<number, number[]>> {
  const pixels = new Map<number, number[]>();
  for (const id of ids) {
    const h = harness(1);
    h.scheduler.submit(id, request(id));
    await h.run();
    pixels.set(id, Array.from(h.done.get(id)!.pixels));
  }
  return pixels;
}

const IDS = [1, 2, 3, 4, 5, 6];

async function cancelInsideStep(t: Test, victim: number, atRun: number, why: string) {
  const expected = await alone(IDS);
  const h = harness();
  IDS.forEach((id) => h.scheduler.submit(id, request(id)));
  h.model.during.step = (run) => {
    if (run === atRun) t.ok(h.scheduler.cancel(victim), `cancel ${victim} during step run ${run}`);
  };
  await h.run();
  t.notOk(h.answered.includes(victim), `the cancelled sample (${why}) is never answered`);
  t.same([...h.failed.keys()], [], 'nothing fails');
  const others = IDS.filter((id) => id !== victim);
  t.same([...h.done.keys()].sort(), others, 'every other sample is done');
  for (const id of others) t.same(Array.from(h.done.get(id)!.pixels), expected.get(id), `sample ${id}: the bytes it has alone`);
  t.notOk(h.scheduler.hasWork, 'nothing is left behind');
}

t.test('a cancel during a step: the first row', (t) => cancelInsideStep(t, 1, 2, 'the first row'));
t.test('a cancel during a step: the last row', (t) => cancelInsideStep(t, 6, 2, 'the last row'));
t.test('a cancel during the step in which the sample finishes (it used to retire the last live sample instead)', (t) =>
  // sample 1 has 3 steps: step run 3 finishes it
  cancelInsideStep(t, 1, 3, 'a row that finishes in that step'),
);
t.test('a cancel during the last step of the longest sample, which finishes alone', (t) => cancelInsideStep(t, 3, 5, 'the last live row'));

t.test('a cancel during the step run that retries rows one by one after a batched failure', async (t) => {
  const expected = await alone([2, 3]);
  const h = harness();
  [1, 2, 3].forEach((id) => h.scheduler.submit(id, request(id)));
  let failedOnce = false;
  h.model.during.step = (_run, batch) => {
    if (batch.size === 3 && !failedOnce) {
      failedOnce = true;
      throw new Error('boom');
    }
    if (batch.size === 1 && batch.y[0] === 1n) h.scheduler.cancel(1); // while sample 1's own row runs
  };
  await h.run();
  t.notOk(h.answered.includes(1));
  t.same([...h.done.keys()].sort(), [2, 3]);
  for (const id of [2, 3]) t.same(Array.from(h.done.get(id)!.pixels), expected.get(id), `sample ${id}: its own bytes`);
});

t.test('a cancel during the decode run that holds the sample: no answer, the others decoded', async (t) => {
  const expected = await alone(IDS);
  const h = harness();
  IDS.forEach((id) => h.scheduler.submit(id, request(id)));
  let decodes = 0;
  h.model.during.decode = () => {
    if (++decodes === 1) t.ok(h.scheduler.cancel(1), 'sample 1 is in the decode run');
  };
  await h.run();
  t.notOk(h.answered.includes(1));
  t.same([...h.done.keys()].sort(), [2, 3, 4, 5, 6]);
  for (const id of [2, 3, 4, 5, 6]) t.same(Array.from(h.done.get(id)!.pixels), expected.get(id));
});

t.test('a cancel during the encode run: that encoding is dropped, the others and the samples beside them answered', async (t) => {
  const expected = await alone([1, 2]);
  const h = harness();
  const pixels = (v: number) => new Uint8Array(CELLS * 3).fill(v);
  h.scheduler.submitEncode(10, { pixels: pixels(10), reconstruct: true });
  h.scheduler.submitEncode(11, { pixels: pixels(200), reconstruct: true });
  h.scheduler.submitEncode(12, { pixels: pixels(90) });
  [1, 2].forEach((id) => h.scheduler.submit(id, request(id)));
  h.model.during.encode = () => t.ok(h.scheduler.cancel(11), 'encoding 11 is in the encode run');
  await h.run();
  t.notOk(h.answered.includes(11), 'the cancelled encoding is never answered');
  t.same([...h.encoded.keys()].sort(), [10, 12]);
  t.ok(h.encoded.get(10)!.reconstruction, 'the reconstruction beside it is decoded');
  for (const id of [1, 2]) t.same(Array.from(h.done.get(id)!.pixels), expected.get(id));
  t.notOk(h.scheduler.hasWork);
});

t.test('cancels at every step run of every sample: the survivors always match their bytes alone', async (t) => {
  const expected = await alone(IDS);
  for (const victim of IDS) {
    for (let atRun = 1; atRun <= 5; atRun++) {
      const h = harness(4); // 6 samples, 4 slots: some wait, join later
      IDS.forEach((id) => h.scheduler.submit(id, request(id)));
      h.model.during.step = (run) => {
        if (run === atRun) h.scheduler.cancel(victim);
      };
      await h.run();
      // the victim may have finished before its cancel came; then it was answered with its own bytes
      const wrong = IDS.filter((id) => (id !== victim || h.done.has(id)) && String(Array.from(h.done.get(id)?.pixels ?? [])) !== String(expected.get(id)));
      t.same(wrong, [], `cancel ${victim} at step run ${atRun}: every other sample done with its own bytes`);
      t.notOk(h.scheduler.hasWork);
    }
  }
});

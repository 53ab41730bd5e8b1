import t from 'tap';
import { Scheduler } from '../../src/engine/scheduler.js';
import type { ModelRunner, StepBatch, Shape } from '../../src/engine/runner.js';
import { on } from './events.js';
import type { SampleResult } from '../../src/engine/protocol.js';

const shape: Shape = { latent: { channels: 1, height: 2, width: 2 }, image: { height: 2, width: 2 }, null_class: 9 };

/** A model whose mu depends on each row's own inputs only, recording every batch it sees. */
class FakeModel implements ModelRunner {
  batches: number[] = [];
  failNext = false;
  /** Any batch holding this class throws, as a graph would for inputs it cannot handle. */
  poisonClass = -1;
  async step(batch: StepBatch) {
    this.batches.push(batch.size);
    if (this.failNext || batch.y.includes(BigInt(this.poisonClass))) {
      this.failNext = false;
      throw new Error('boom');
    }
    const mu = new Float32Array(batch.z.length);
    for (let i = 0; i < mu.length; i++) {
      const row = Math.floor(i / 4);
      mu[i] = Math.tanh(batch.z[i]! + Number(batch.y[row]!) * batch.cfg[row]! - batch.t[row]!) / batch.tau[row]!;
    }
    return { mu, entropy: new Float32Array(batch.size * 4).fill(0.5) };
  }
  decodes: number[] = [];
  async decode(z: Float32Array, size: number) {
    this.decodes.push(size);
    const image = new Float32Array(size * 12);
    for (let r = 0; r < size; r++) for (let c = 0; c < 3; c++) image.set(z.subarray(r * 4, r * 4 + 4), r * 12 + c * 4);
    return { image, codes: new BigInt64Array(size * 4) };
  }
}

function harness(maxBatch: number) {
  const model = new FakeModel();
  const done = new Map<number, SampleResult>();
  const order: number[] = [];
  const failed = new Map<number, string>();
  const scheduler = new Scheduler(model, shape, maxBatch, on({
    done: ({ id, result }) => {
      done.set(id, result);
      order.push(id);
    },
    failed: ({ id, message }) => failed.set(id, message),
  }));
  const run = async () => {
    while (scheduler.hasWork) await scheduler.iterate();
  };
  return { model, scheduler, done, order, failed, run };
}

const request = (classId: number, steps: number, seed: number) => ({ classId, steps, seed, tau: 0.9, cfg: 1.5 });

t.test('N requests share iterations: step runs = longest request, not N x steps', async (t) => {
  const h = harness(8);
  for (let i = 0; i < 8; i++) h.scheduler.submit(i, request(i % 3, 10, i));
  await h.run();
  t.equal(h.done.size, 8);
  t.same(h.model.batches, Array(10).fill(8));
});

t.test('a short request admitted behind long ones finishes first', async (t) => {
  const h = harness(4);
  h.scheduler.submit(1, request(0, 20, 1));
  h.scheduler.submit(2, request(1, 20, 2));
  await h.scheduler.iterate();
  h.scheduler.submit(3, request(2, 3, 3));
  await h.run();
  t.same(h.order, [3, 1, 2]);
});

t.test('past maxBatch, requests wait and join as slots free up', async (t) => {
  const h = harness(2);
  h.scheduler.submit(1, request(0, 2, 1));
  h.scheduler.submit(2, request(0, 4, 2));
  h.scheduler.submit(3, request(0, 2, 3));
  await h.run();
  t.same(h.model.batches, [2, 2, 2, 2]); // 3 joins when 1 leaves after iteration 2
  t.same(h.order, [1, 2, 3]); // 2 and 3 both finish in iteration 4
});

t.test('a sample gets the same result alone or in any batch', async (t) => {
  const alone = harness(1);
  alone.scheduler.submit(0, request(2, 5, 99));
  await alone.run();
  const crowded = harness(8);
  for (let i = 1; i < 6; i++) crowded.scheduler.submit(i, request(i % 3, 3 + i, i));
  await crowded.scheduler.iterate();
  crowded.scheduler.submit(0, request(2, 5, 99));
  await crowded.run();
  t.same(Array.from(crowded.done.get(0)!.pixels), Array.from(alone.done.get(0)!.pixels));
});

t.test('a cancelled sample stops consuming iterations', async (t) => {
  const h = harness(4);
  h.scheduler.submit(1, request(0, 10, 1));
  h.scheduler.submit(2, request(0, 10, 2));
  await h.scheduler.iterate();
  t.ok(h.scheduler.cancel(2));
  await h.run();
  t.same(h.model.batches, [2, ...Array(9).fill(1)]);
  t.notOk(h.done.has(2));
  t.notOk(h.scheduler.cancel(2), 'cancelling twice is a no-op');
});

t.test('a failing step fails that batch only; the scheduler keeps serving', async (t) => {
  const h = harness(4);
  h.scheduler.submit(1, request(0, 3, 1));
  h.model.failNext = true;
  await h.scheduler.iterate();
  t.same([...h.failed.entries()], [[1, 'boom']]);
  h.scheduler.submit(2, request(0, 3, 2));
  await h.run();
  t.ok(h.done.has(2));
});

t.test('a row that makes the batched run throw fails alone; its batch-mates finish with their own bytes', async (t) => {
  const alone = harness(1);
  alone.scheduler.submit(1, request(1, 4, 1));
  await alone.run();
  const h = harness(4);
  h.model.poisonClass = 7;
  h.scheduler.submit(1, request(1, 4, 1));
  h.scheduler.submit(2, request(7, 4, 2));
  h.scheduler.submit(3, request(2, 4, 3));
  await h.run();
  t.same([...h.failed.keys()], [2]);
  t.same([...h.done.keys()].sort(), [1, 3]);
  t.same(Array.from(h.done.get(1)!.pixels), Array.from(alone.done.get(1)!.pixels));
  t.same(h.model.batches, [3, 1, 1, 1, 2, 2, 2], 'the failed run is retried row by row once, then the two go on together');
});

t.test('finished samples wait up to two iterations to share a decode run; an idle engine decodes at once', async (t) => {
  const h = harness(8);
  [3, 4, 5, 6].forEach((steps, i) => h.scheduler.submit(i, request(0, steps, i)));
  await h.run();
  t.same(h.model.decodes, [3, 1], '3, 4 and 5 steps decode together after iteration 5; 6 alone at the end');
  const single = harness(8);
  single.scheduler.submit(9, request(0, 2, 9));
  await single.scheduler.iterate();
  await single.scheduler.iterate();
  t.same(single.model.decodes, [1], 'nothing else live: no waiting');
});

t.test('invalid maxBatch is rejected at construction', async (t) => {
  t.throws(() => harness(0), /maxBatch must be a positive integer/);
});

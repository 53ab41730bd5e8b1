// POST /generate on the random-weight DiT fixture: determinism, batching, cancellation, queue bound.
import { request as httpRequest } from 'node:http';
import t from 'tap';
import type { AddressInfo } from 'node:net';
import { TINY_DIR, aStepRan, decodePng, generate, leftTheBatch, metricValue, readyApp, until } from '../helpers.js';

t.test('the same seeded request twice gives byte-identical PNGs of the model size', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR, cacheBytes: 0 });
  t.teardown(() => app.close());
  const body = { class: 'cat', tau: 0.9, cfg: 1.3, steps: 6, seed: 1234 };
  const [a, b] = [await generate(app, body), await generate(app, body)];
  t.equal(a.statusCode, 200);
  t.equal(a.headers['content-type'], 'image/png');
  t.equal(a.headers['x-seed'], '1234');
  t.equal(a.headers['x-cache'], 'miss');
  t.match(a.headers['server-timing'], /queue;dur=[\d.]+, sample;dur=[\d.]+, encode;dur=[\d.]+/);
  t.same(a.rawPayload, b.rawPayload);
  const png = await decodePng(a.rawPayload);
  t.same([png.width, png.height, png.channels], [32, 32, 3]);
  const other = await generate(app, { ...body, seed: 1235 });
  t.not(other.rawPayload.toString('base64'), a.rawPayload.toString('base64'), 'another seed, another image');
});

t.test('a sample is byte-identical alone and inside concurrent batches of other classes (cpu provider)', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR, cacheBytes: 0, maxBatch: 8 });
  t.teardown(() => app.close());
  const target = { class: 'dog', tau: 0.7, cfg: 2, steps: 8, seed: 77 };
  const alone = await generate(app, target);
  for (const crowd of [3, 7]) {
    const others = Array.from({ length: crowd }, (_, i) =>
      generate(app, { class: i % 4, tau: 0.5 + i / 10, cfg: i / 2, steps: 4 + (i % 5) * 3, seed: 900 + i }),
    );
    await aStepRan(app); // the target joins the crowd mid-flight
    const crowded = generate(app, target);
    const responses = await Promise.all([crowded, ...others]);
    t.ok(responses.every((r) => r.statusCode === 200));
    t.same((await crowded).rawPayload, alone.rawPayload, `identical among ${crowd} others`);
  }
});

t.test('a request without seed gets one in X-Seed that reproduces it', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR });
  t.teardown(() => app.close());
  const first = await generate(app, { class: 1, steps: 3 });
  t.equal(first.headers['x-cache'], 'off');
  const seed = Number(first.headers['x-seed']);
  t.ok(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32);
  const again = await generate(app, { class: 1, steps: 3, seed });
  t.same(again.rawPayload, first.rawPayload);
});

t.test('seeded requests are served from the cache, byte-identical, without engine work', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR });
  t.teardown(() => app.close());
  const body = { class: 'owl', steps: 5, seed: 3 };
  const miss = await generate(app, body);
  const runs = await metricValue(app, 'purrception_step_runs_total');
  const hit = await generate(app, body);
  t.equal(hit.headers['x-cache'], 'hit');
  t.same(hit.rawPayload, miss.rawPayload);
  t.equal(await metricValue(app, 'purrception_step_runs_total'), runs, 'no step ran for the hit');
  const variant = await generate(app, { ...body, tau: 0.5 });
  t.equal(variant.headers['x-cache'], 'miss', 'another tau is another key');
});

t.test('continuous batching: N concurrent requests take far fewer than N x steps step runs', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR, maxBatch: 16 });
  t.teardown(() => app.close());
  const n = 12;
  const steps = 10;
  const before = await metricValue(app, 'purrception_step_runs_total');
  const responses = await Promise.all(Array.from({ length: n }, (_, i) => generate(app, { class: i % 4, steps, seed: i })));
  t.ok(responses.every((r) => r.statusCode === 200));
  const runs = (await metricValue(app, 'purrception_step_runs_total')) - before;
  t.ok(runs <= steps * 3, `${runs} step runs for ${n} x ${steps} sample steps`);
  t.ok(runs >= steps, 'at least one run per step');
});

t.test('a short request submitted behind long ones finishes first', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR, maxBatch: 4 });
  t.teardown(() => app.close());
  const order: string[] = [];
  const track = (name: string, body: object) => generate(app, body).then((r) => order.push(`${name}:${r.statusCode}`));
  const long = [track('long1', { class: 0, steps: 150, seed: 1 }), track('long2', { class: 1, steps: 150, seed: 2 })];
  await aStepRan(app);
  await Promise.all([track('short', { class: 2, steps: 2, seed: 3 }), ...long]);
  t.same(order[0], 'short:200', `completion order ${order.join(' ')}`);
});

t.test('a disconnected client stops consuming iterations', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR });
  t.teardown(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', path: '/generate', headers: { 'content-type': 'application/json' } });
  req.on('error', () => undefined);
  req.end(JSON.stringify({ class: 0, steps: 1000, seed: 1 }));
  await until(async () => (await metricValue(app, 'purrception_step_runs_total')) >= 3, 'three steps ran');
  req.destroy();
  await until(async () => (await metricValue(app, 'purrception_samples_total', { outcome: 'cancelled' })) === 1, 'the server counts the request cancelled');
  t.ok((await metricValue(app, 'purrception_step_runs_total')) < 1000, 'it stopped well before its 1000 steps');
  await leftTheBatch(t, app);
});

t.test('past the queue bound: 503 with Retry-After; then serving normally', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR, maxBatch: 1, queueLimit: 2 });
  t.teardown(() => app.close());
  const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => generate(app, { class: 0, steps: 20, seed: i })));
  const codes = responses.map((r) => r.statusCode);
  t.equal(codes.filter((c) => c === 200).length, 3, `statuses ${codes.join(',')}`);
  const rejected = responses.filter((r) => r.statusCode === 503);
  t.equal(rejected.length, 5);
  for (const r of rejected) {
    t.equal(r.headers['retry-after'], '1');
    t.match(r.json(), { code: 'QUEUE_FULL', message: 'The generation queue is full: 2 images are waiting for a batch slot, QUEUE_LIMIT is 2 images and this request adds 1; retry later' });
  }
  t.equal((await generate(app, { class: 0, steps: 2 })).statusCode, 200);
});

t.test('the queue counts images: a request of n takes n places, in the limit, the error and the metric', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR, maxBatch: 2, queueLimit: 3 });
  t.teardown(() => app.close());
  const depth = async (): Promise<number> => Number(/^purrception_queue_depth\{model="tiny"\} (\d+)$/m.exec((await app.inject('/metrics')).payload)?.[1]);
  t.equal(await depth(), 0);
  const tooMany = await generate(app, { class: 0, steps: 2, n: 6 });
  t.equal(tooMany.statusCode, 503, 'six images never fit in 2 + 3 places: refused whole');
  t.match(tooMany.json(), { code: 'QUEUE_FULL', message: /0 images are waiting for a batch slot, QUEUE_LIMIT is 3 images and this request adds 6/ });
  const running = generate(app, { class: 0, steps: 300, seed: 1, n: 4 });
  await until(async () => (await depth()) > 0, 'the request is in the engine');
  t.equal(await depth(), 4, 'one request of 4 images: depth 4');
  const two = await generate(app, { class: 1, steps: 2, n: 2 });
  t.equal(two.statusCode, 503, '4 + 2 images > 2 + 3 places');
  t.match(two.json(), { message: /2 images are waiting for a batch slot, QUEUE_LIMIT is 3 images and this request adds 2/ });
  const one = await generate(app, { class: 1, steps: 2, seed: 3 });
  t.equal(one.statusCode, 200, '4 + 1 images fit');
  t.equal((await running).statusCode, 200);
  t.equal(await depth(), 0);
  t.match((await app.inject('/metrics')).payload, /# HELP purrception_queue_depth Images \(samples\) in a model.s engine/);
});

// /health, /ready, /models and /metrics; the drain.
import t from 'tap';
import { buildApp } from '../../src/app.js';
import type { Engine } from '../../src/engine/client.js';
import { TINY_DIR, generate, readyApp, testConfig } from '../helpers.js';

t.test('/health is up while the model loads; /ready waits for it', async (t) => {
  let release!: (engine: Engine) => void;
  const app = await buildApp({
    config: testConfig(),
    logger: false,
    startEngine: () => new Promise<Engine>((resolve) => (release = resolve)),
  });
  t.teardown(() => app.close());
  t.same((await app.inject('/health')).json(), { status: 'ok' });
  const loading = await app.inject('/ready');
  t.equal(loading.statusCode, 503);
  t.same(loading.json(), { status: 'loading', statusCode: 503, code: 'NOT_READY', error: 'Service Unavailable', message: 'The model is still loading', models: { oracle: 'loading' } });
  t.equal(loading.headers['retry-after'], '1');
  const early = await generate(app, { class: 0 });
  t.equal(early.statusCode, 503);
  t.match(early.json(), { code: 'NOT_READY' });
  t.equal(early.headers['retry-after'], '1');
  release({ providers: { step: 'cpu', decode: 'cpu' }, pending: 0, generate: () => Promise.reject(new Error('unused')), encode: () => Promise.reject(new Error('unused')), close: async () => undefined });
  await app.engineReady;
  t.equal((await app.inject('/ready')).statusCode, 200);
});

t.test('a failing engine start leaves /ready at 503 "failed"', async (t) => {
  const app = await buildApp({ config: testConfig(), logger: false, startEngine: () => Promise.reject(new Error('no GPU')) });
  t.teardown(() => app.close());
  await t.rejects(app.engineReady, /no GPU/);
  t.match((await app.inject('/ready')).json(), { status: 'failed', statusCode: 503, code: 'ENGINE_FAILED', message: /failed to load/ });
  const refused = await generate(app, { class: 0 });
  t.equal(refused.statusCode, 503);
  t.match(refused.json(), { code: 'ENGINE_FAILED' }, 'not "still loading"');
});

t.test('/models describes the model without internals; /models/{name} the same model', async (t) => {
  const app = await readyApp({ maxBatch: 4, queueLimit: 9 });
  t.teardown(() => app.close());
  const list = (await app.inject('/models')).json();
  t.equal(list.default, 'oracle');
  t.equal(list.models.length, 1);
  const body = list.models[0];
  t.same((await app.inject('/models/oracle')).json(), body, 'GET /models/oracle');
  t.match(body, {
    format: 'purrception.onnx.v1',
    name: 'oracle',
    labels: ['red', 'green', 'blue'],
    image: { height: 8, width: 8 },
    defaults: { steps: 4, tau: 1, cfg: 1 },
    imageInput: true,
    providers: { step: 'cpu', decode: 'cpu', encode: 'cpu' },
    limits: { maxBatch: 4, queueLimit: 9, maxImages: 16 },
  });
  t.notOk('graphs' in body, 'no file names');
  t.notOk('provenance' in body, 'no provenance');
});

t.test('/metrics exposes requests, queue depth, batch sizes, iteration time and provider', async (t) => {
  const app = await readyApp();
  t.teardown(() => app.close());
  await generate(app, { class: 0, steps: 3 });
  const res = await app.inject('/metrics');
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /text\/plain/);
  for (const line of [
    /purrception_http_requests_total\{route="\/generate",status="200"\} 1/,
    /purrception_http_request_duration_seconds_count\{route="\/generate"\} 1/,
    /purrception_queue_depth\{model="oracle"\} 0/,
    /purrception_step_runs_total\{model="oracle"\} 3/,
    /purrception_batch_size_count\{model="oracle"\} 3/,
    /purrception_iteration_seconds_count\{model="oracle"\} 3/,
    /purrception_decode_batch_size_count\{model="oracle"\} 1/,
    /purrception_samples_total\{model="oracle",outcome="done"\} 1/,
    /purrception_execution_provider\{model="oracle",graph="step",provider="cpu"\} 1/,
    /purrception_nodejs_eventloop_lag_seconds/,
  ]) {
    t.match(res.payload, line);
  }
});

t.test('drain: /ready and new generations answer 503 DRAINING while in-flight requests finish', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR });
  let closed = false;
  t.teardown(() => (closed ? undefined : app.close()));
  const body = { class: 'cat', steps: 300, seed: 5 };
  const inflightImage = generate(app, body);
  const inflightStream = app.inject({ method: 'POST', url: '/generate/stream', payload: body });
  const started = Date.now();
  while ((await metricDepth(app)) < 2 && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 5));
  let drained = false;
  const drain = app.drain().then(() => (drained = true));

  const ready = await app.inject('/ready');
  t.equal(ready.statusCode, 503);
  t.match(ready.json(), { status: 'draining', statusCode: 503, code: 'DRAINING', message: /draining/ });
  t.equal(ready.headers['retry-after'], '1');
  t.equal(ready.headers['connection'], 'close', 'kept-alive clients reconnect (elsewhere)');
  for (const url of ['/generate', '/generate/stream']) {
    const late = await app.inject({ method: 'POST', url, payload: { class: 'cat', steps: 2 } });
    t.equal(late.statusCode, 503, `new POST ${url}`);
    t.match(late.json(), { code: 'DRAINING' });
    t.equal(late.headers['retry-after'], '1');
  }
  t.equal((await app.inject('/health')).statusCode, 200, 'still alive: liveness must not restart a draining pod');
  t.notOk(drained, 'the drain waits for the requests under way');

  const [image, stream] = await Promise.all([inflightImage, inflightStream]);
  t.equal(image.statusCode, 200);
  t.equal(image.headers['content-type'], 'image/png');
  t.match(stream.payload, /event: done\n/, 'the stream finished too');
  await drain;
  t.ok(drained);
  await app.close();
  closed = true;
});

async function metricDepth(app: Awaited<ReturnType<typeof readyApp>>): Promise<number> {
  return Number(/^purrception_queue_depth\{model="tiny"\} (\d+)$/m.exec((await app.inject('/metrics')).payload)?.[1]);
}

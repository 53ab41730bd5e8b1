// /health, /ready, /models, /metrics and the OpenAPI document.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import type { Engine } from '../../src/engine/client.js';
import { OPENAPI_PATH, renderOpenApi } from '../../scripts/openapi.js';
import { generate, readyApp, testConfig } from '../helpers.js';

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
  t.same(loading.json(), { status: 'loading' });
  const early = await generate(app, { class: 0 });
  t.equal(early.statusCode, 503);
  t.match(early.json(), { code: 'NOT_READY' });
  t.equal(early.headers['retry-after'], '1');
  release({ providers: { step: 'cpu', decode: 'cpu' }, pending: 0, generate: () => Promise.reject(new Error('unused')), close: async () => undefined });
  await app.engineReady;
  t.equal((await app.inject('/ready')).statusCode, 200);
});

t.test('a failing engine start leaves /ready at 503 "failed"', async (t) => {
  const app = await buildApp({ config: testConfig(), logger: false, startEngine: () => Promise.reject(new Error('no GPU')) });
  t.teardown(() => app.close());
  await t.rejects(app.engineReady, /no GPU/);
  t.same((await app.inject('/ready')).json(), { status: 'failed' });
});

t.test('/models describes the model without internals', async (t) => {
  const app = await readyApp({ maxBatch: 4, queueLimit: 9 });
  t.teardown(() => app.close());
  const body = (await app.inject('/models')).json();
  t.match(body, {
    format: 'purrception.onnx.v1',
    name: 'oracle',
    labels: ['red', 'green', 'blue'],
    image: { height: 8, width: 8 },
    defaults: { steps: 4, tau: 1, cfg: 1 },
    providers: { step: 'cpu', decode: 'cpu' },
    limits: { maxBatch: 4, queueLimit: 9 },
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
    /purrception_queue_depth 0/,
    /purrception_step_runs_total 3/,
    /purrception_batch_size_count 3/,
    /purrception_iteration_seconds_count 3/,
    /purrception_decode_batch_size_count 1/,
    /purrception_execution_provider\{graph="step",provider="cpu"\} 1/,
    /purrception_nodejs_eventloop_lag_seconds/,
  ]) {
    t.match(res.payload, line);
  }
});

t.test('the committed openapi/openapi.json matches the routes (run `npm run openapi` after changing them)', async (t) => {
  const committed = readFileSync(OPENAPI_PATH, 'utf8');
  const current = await renderOpenApi();
  t.equal(current, committed);
  const doc = JSON.parse(current);
  t.same(Object.keys(doc.paths['/generate'].post.responses['200'].content), ['image/png', 'image/webp', 'image/jpeg', 'application/json']);
  t.match(doc.paths['/generate/stream'].post.responses['200'].content, { 'text/event-stream': {} });
  t.same(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', description: 'Only when the server sets API_KEYS; /health and /ready never need it' });
  t.same(doc.paths['/generate'].post.security, [{ bearerAuth: [] }, {}]);
  t.notOk(doc.paths['/health'].get.security, '/health stays open');
  t.match(doc.paths['/generate'].post.responses['200'].content['image/png'].schema, { type: 'string', format: 'binary' });
  t.match(doc.paths['/generate'].post.requestBody.content['application/json'].schema, { required: ['class'], additionalProperties: false });
});

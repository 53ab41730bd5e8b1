// A worker that dies mid-batch (here: it exits after a step run while its batch-mates are mid-way, as a
// JavaScript error or a V8 heap exhaustion in the engine thread ends it) fails its model's engine at once: the requests it held get a 503
// ENGINE_FAILED JSON error (the stream an error event), /ready and new requests a 503 with Retry-After,
// /metrics shows the engine down and the crash counted; then the engine restarts after its back-off and
// serves the same bytes as before. An engine that keeps crashing is given up on: /health answers 503, so
// the orchestrator restarts the process.
import type { FastifyInstance } from 'fastify';
import t from 'tap';
import { EngineClient } from '../../src/engine/client.js';
import type { StartEngine } from '../../src/engine/lifecycle.js';
import { TINY_DIR, generate, listening, metricValue, readyApp } from '../helpers.js';

/** The engine thread that exits after a step run holding a row of class 3 (owl). */
const EXITS_MID_BATCH = new URL('../fixtures/workers/exits-mid-batch.js', import.meta.url);

/** Starts real engines (a worker over the tiny model) and lets the test wait for the next start. */
function realEngines() {
  let started: () => void = () => undefined;
  const start: StartEngine = async (_spec, observer) => {
    const engine = await EngineClient.start({ modelDir: TINY_DIR, executionProviders: ['cpu'], maxBatch: 8, threads: 1, queueLimit: 16, observer, workerUrl: EXITS_MID_BATCH });
    setImmediate(started); // after the lifecycle has taken the engine in
    return engine;
  };
  return { start, nextStart: () => new Promise<void>((resolve) => (started = resolve)) };
}

/** A request of class owl: the worker exits after its first step. */
const crash = (app: FastifyInstance) => generate(app, { class: 'owl', steps: 4, seed: 9 });

/** Opens a stream of `steps` steps and resolves once its first step event arrived: the sample is in the batch. */
async function streamInFlight(base: string, steps: number) {
  const res = await fetch(`${base}/generate/stream`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ class: 'cat', steps, seed: 1 }) });
  const reader = res.body!.getReader();
  let text = '';
  const decoder = new TextDecoder();
  while (!text.includes('event: step')) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before its first step: ${text}`);
    text += decoder.decode(value, { stream: true });
  }
  const rest = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return text;
      text += decoder.decode(value, { stream: true });
    }
  })();
  return { rest };
}

t.test('a worker killed mid-batch: 503s while it restarts, then the model serves the same bytes again', async (t) => {
  const engines = realEngines();
  const app = await readyApp({ modelDir: TINY_DIR, cacheBytes: 0, engineRestarts: 3, engineRestartDelayMs: 200 }, { startEngine: engines.start });
  t.teardown(() => app.close());
  const before = await generate(app, { class: 'dog', steps: 4, seed: 5 });
  t.equal(before.statusCode, 200);
  const base = await listening(app);

  const stream = await streamInFlight(base, 1000);
  const plain = [1, 2, 3].map((seed) => generate(app, { class: 'fox', steps: 1000, seed }));
  const restarted = engines.nextStart();
  const killer = await crash(app);
  t.match(killer.json(), { statusCode: 503, code: 'ENGINE_FAILED' }, 'the request in the fatal step fails like the others');

  for (const res of await Promise.all(plain)) {
    t.equal(res.statusCode, 503, 'an in-flight request gets a 503');
    t.match(res.json(), { statusCode: 503, code: 'ENGINE_FAILED', message: /engine stopped .*exited with code 70.*retry/ });
    t.equal(res.headers['content-type'], 'application/json; charset=utf-8');
    t.ok(Number(res.headers['retry-after']) >= 1, 'with Retry-After');
  }
  const events = await stream.rest;
  t.match(events, /event: error\ndata: \{"type":"error","statusCode":503,"code":"ENGINE_FAILED"/, 'the stream ends with an ENGINE_FAILED error event');

  const ready = await app.inject('/ready');
  t.equal(ready.statusCode, 503, '/ready fails while the engine restarts');
  t.match(ready.json(), { status: 'failed', code: 'ENGINE_FAILED', models: { tiny: 'restarting' }, message: /restarts in about/ });
  t.ok(Number(ready.headers['retry-after']) >= 1);
  const refused = await generate(app, { class: 'dog', steps: 4, seed: 5 });
  t.equal(refused.statusCode, 503, 'a new request is refused, not left hanging');
  t.match(refused.json(), { code: 'ENGINE_FAILED' });
  t.ok(refused.headers['retry-after']);
  t.equal((await app.inject('/health')).statusCode, 200, 'the process is still alive: no reason to restart it');
  t.equal(await metricValue(app, 'purrception_engine_up', { model: 'tiny' }), 0, '/metrics: engine down');
  t.equal(await metricValue(app, 'purrception_engine_crashes_total', { model: 'tiny' }), 1, '/metrics: the crash counted');

  await restarted;
  t.equal((await app.inject('/ready')).statusCode, 200, 'ready again after the back-off');
  t.equal(await metricValue(app, 'purrception_engine_up', { model: 'tiny' }), 1);
  const after = await generate(app, { class: 'dog', steps: 4, seed: 5 });
  t.equal(after.statusCode, 200);
  t.same(after.rawPayload, before.rawPayload, 'the restarted engine gives the same bytes');
});

t.test('an engine that crashes more often than ENGINE_RESTARTS is given up on: /health 503, the process is to be restarted', async (t) => {
  const engines = realEngines();
  const app = await readyApp({ modelDir: TINY_DIR, cacheBytes: 0, engineRestarts: 1, engineRestartDelayMs: 50 }, { startEngine: engines.start });
  t.teardown(() => app.close());
  const restarted = engines.nextStart();
  await crash(app);
  await restarted;
  t.equal((await app.inject('/ready')).statusCode, 200, 'restarted once');
  await crash(app); // the second crash in a row: past ENGINE_RESTARTS = 1
  const reason = await app.engineGivenUp;
  t.match(reason.message, /tiny crashed 2 times in a row/);
  const health = await app.inject('/health');
  t.equal(health.statusCode, 503, 'the liveness probe fails');
  t.match(health.json(), { status: 'crashed', code: 'ENGINE_FAILED', models: { tiny: 'crashed' } });
  t.match((await app.inject('/ready')).json(), { code: 'ENGINE_FAILED', models: { tiny: 'crashed' } });
  t.match((await generate(app, { class: 'dog', steps: 2 })).json(), { code: 'ENGINE_FAILED', message: /not restarted/ });
  t.equal(await metricValue(app, 'purrception_engine_crashes_total', { model: 'tiny' }), 2);
});

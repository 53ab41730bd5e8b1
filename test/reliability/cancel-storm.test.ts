// Requests cancelled at random moments (before they are queued, while they wait for a batch slot, in
// the middle of a step run, while they decode) never take another request down with them: every request
// that was not cancelled gets its image, with the bytes it has alone, and nothing is left in the engine.
import { request } from 'node:http';
import t from 'tap';
import { EngineClient } from '../../src/engine/client.js';
import { TINY_DIR, metricValue, readyApp } from '../helpers.js';

const SLOW_STEPS = new URL('../fixtures/workers/slow-steps.js', import.meta.url);
const REQUESTS = 48;

/** A seeded stream of numbers in [0, 1) (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
}

t.test('requests cancelled at random moments, mid-step included: every other request gets its own image', async (t) => {
  const app = await readyApp(
    { modelDir: TINY_DIR, cacheBytes: 0, maxBatch: 6, queueLimit: REQUESTS },
    {
      startEngine: (_spec, observer) =>
        EngineClient.start({ modelDir: TINY_DIR, executionProviders: ['cpu'], maxBatch: 6, threads: 1, queueLimit: REQUESTS, observer, workerUrl: SLOW_STEPS }),
    },
  );
  t.teardown(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  /** POST /generate on a connection of its own; cancelling destroys it, as a client that goes away does. */
  const post = (i: number, cancelAfterMs?: number) =>
    new Promise<{ status: number; bytes: Buffer } | 'cancelled'>((resolve, reject) => {
      const body = JSON.stringify({ class: i % 4, steps: 3 + (i % 5), seed: 1000 + i });
      const req = request({ port, host: '127.0.0.1', method: 'POST', path: '/generate', agent: false, headers: { 'content-type': 'application/json' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, bytes: Buffer.concat(chunks) }));
        res.on('error', () => resolve('cancelled'));
      });
      req.on('error', (err) => (req.destroyed ? resolve('cancelled') : reject(err)));
      if (cancelAfterMs !== undefined) setTimeout(() => req.destroy(), cancelAfterMs);
      req.end(body);
    });

  const alone: Buffer[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const answer = await post(i);
    if (answer === 'cancelled') throw new Error(`request ${i} failed without being cancelled`);
    alone.push(answer.bytes);
  }

  const next = random(20261205);
  const cancelAt = Array.from({ length: REQUESTS }, () => (next() < 0.5 ? next() * 120 : undefined)); // ms, or never
  const outcomes = await Promise.all(cancelAt.map((ms, i) => post(i, ms)));
  const cancelled = outcomes.filter((o) => o === 'cancelled').length;
  t.ok(cancelled >= REQUESTS / 4, `a good share was cancelled before its answer (${cancelled} of ${REQUESTS})`);
  outcomes.forEach((outcome, i) => {
    if (outcome === 'cancelled') return t.ok(cancelAt[i] !== undefined, `request ${i} was cancelled by its client`);
    t.equal(outcome.status, 200, `request ${i} answered`);
    t.ok(outcome.bytes.equals(alone[i]!), `request ${i}: the bytes it has alone`);
  });

  await app.drain(); // resolves once every admitted request has been answered: none hangs
  t.equal(await metricValue(app, 'purrception_queue_depth', { model: 'tiny' }), 0, 'nothing is left in the engine');
  const done = await metricValue(app, 'purrception_samples_total', { model: 'tiny', outcome: 'done' });
  const gone = await metricValue(app, 'purrception_samples_total', { model: 'tiny', outcome: 'cancelled' });
  // A request cancelled before its body arrived was never admitted, so never counted.
  t.ok(done >= 2 * REQUESTS - cancelled && done + gone <= 2 * REQUESTS, `each request counted at most once, every answer as done (${done} done, ${gone} cancelled)`);
});

// Load: a few hundred concurrent requests over loopback against a small queue bound. Every answer is
// a PNG or a 503 QUEUE_FULL with Retry-After; nothing hangs; afterwards the service is ready and serves.
import t from 'tap';
import { TINY_DIR, readyApp } from '../helpers.js';
import { FULL, PNG_SIGNATURE, note, size } from './util.js';

t.test('hundreds of concurrent requests: PNG or 503 with Retry-After, none hangs, ready afterwards', async (t) => {
  const maxBatch = 4;
  const queueLimit = 8;
  const app = await readyApp({ modelDir: TINY_DIR, maxBatch, queueLimit, cacheBytes: 0 });
  t.teardown(() => app.close());
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const n = size(300, 2000);
  const waves = size(1, 3);
  const started = performance.now();
  const counts = { png: 0, full: 0, other: 0 };
  const problems: string[] = [];
  for (let wave = 0; wave < waves; wave++) {
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        try {
          const res = await fetch(`${url}/generate`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ class: i % 4, steps: 2 + (i % 3), seed: wave * n + i }),
            signal: AbortSignal.timeout(60_000), // a hung request fails the test instead of the runner
          });
          const bytes = Buffer.from(await res.arrayBuffer());
          if (res.status === 200 && res.headers.get('content-type') === 'image/png' && bytes.subarray(0, 8).equals(PNG_SIGNATURE)) {
            counts.png++;
          } else if (res.status === 503 && res.headers.get('retry-after') === '1' && JSON.parse(bytes.toString()).code === 'QUEUE_FULL') {
            counts.full++;
          } else {
            counts.other++;
            problems.push(`#${i}: ${res.status} ${res.headers.get('content-type')} ${bytes.subarray(0, 120).toString()}`);
          }
        } catch (err) {
          counts.other++;
          problems.push(`#${i}: ${(err as Error).message}`);
        }
      }),
    );
  }
  const seconds = (performance.now() - started) / 1000;
  note(t, `load: ${waves} x ${n} concurrent, max batch ${maxBatch}, queue ${queueLimit}: ${counts.png} PNG, ${counts.full} QUEUE_FULL, ${counts.other} other in ${seconds.toFixed(1)} s${FULL ? ' (full)' : ''}`);
  t.same(problems.slice(0, 5), [], 'every answer is a PNG or a 503 QUEUE_FULL with Retry-After');
  t.equal(counts.png + counts.full, n * waves);
  t.ok(counts.png >= maxBatch + queueLimit, `at least a full batch and queue served (${counts.png})`);
  t.ok(counts.full > 0, 'the bound was reached');
  t.equal((await fetch(`${url}/ready`)).status, 200, '/ready afterwards');
  const after = await fetch(`${url}/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ class: 'cat', steps: 3 }) });
  t.equal(after.status, 200, 'a request succeeds afterwards');
  await after.arrayBuffer();
  const depth = /^purrception_queue_depth\{model="[^"]*"\} (\d+)/m.exec(await (await fetch(`${url}/metrics`)).text());
  t.equal(depth?.[1], '0', 'nothing left in the engine');
});

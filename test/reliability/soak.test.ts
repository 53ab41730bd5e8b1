// Soak: a few thousand requests, sequential and concurrent, on the tiny model with short steps.
// Resident memory (this process: HTTP thread, engine worker, ORT arenas, sharp) must level off:
// after a warm-up (the first half), growth over the second half must be small, with no steady
// per-request slope (least squares over the second half's samples).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import t from 'tap';
import { TINY_DIR, readyApp } from '../helpers.js';
import { FULL, note, rssMiB, size } from './util.js';

setFlagsFromString('--expose-gc');
(globalThis as { gc?: () => void }).gc ??= runInNewContext('gc') as () => void;

t.test('a few thousand requests: resident memory levels off', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR, maxBatch: 8, queueLimit: 64, cacheBytes: 256 * 1024 });
  t.teardown(() => app.close());
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const chunks = size(10, 40);
  const perChunk = size(200, 500);
  let seed = 0;
  const one = async (): Promise<number> => {
    seed++;
    const res = await fetch(`${url}/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // seeded, so the (small, bounded) PNG cache takes part; every 7th without seed
      body: JSON.stringify(seed % 7 === 0 ? { class: seed % 4, steps: 1 } : { class: seed % 4, steps: 1 + (seed % 2), seed, tau: 0.5 + (seed % 5) / 10 }),
      signal: AbortSignal.timeout(30_000),
    });
    await res.arrayBuffer();
    return res.status;
  };
  const samples: number[] = [];
  const started = performance.now();
  const statuses = new Map<number, number>();
  for (let c = 0; c < chunks; c++) {
    // half of each chunk sequential, half in waves of 16 concurrent
    for (let i = 0; i < perChunk / 2; i++) {
      const s = await one();
      statuses.set(s, (statuses.get(s) ?? 0) + 1);
    }
    for (let i = 0; i < perChunk / 2; i += 16) {
      for (const s of await Promise.all(Array.from({ length: 16 }, one))) statuses.set(s, (statuses.get(s) ?? 0) + 1);
    }
    samples.push(rssMiB());
  }
  const seconds = (performance.now() - started) / 1000;
  const total = [...statuses.values()].reduce((a, b) => a + b, 0);
  const warm = Math.floor(chunks / 2);
  const secondHalf = samples.slice(warm);
  // least-squares slope over the second half, in MiB per 1000 requests
  const xs = secondHalf.map((_, i) => (i * perChunk) / 1000);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = secondHalf.reduce((a, b) => a + b, 0) / secondHalf.length;
  const slope = xs.reduce((a, x, i) => a + (x - mx) * (secondHalf[i]! - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  const growth = samples[samples.length - 1]! - samples[warm - 1]!;
  note(t, `soak: ${total} requests in ${seconds.toFixed(1)} s${FULL ? ' (full)' : ''}; RSS MiB per ${perChunk}: ${samples.map((s) => s.toFixed(0)).join(' ')}; second half growth ${growth.toFixed(1)} MiB, slope ${slope.toFixed(2)} MiB/1000 requests`);
  t.same([...statuses.keys()], [200], 'every request served');
  // RSS wanders by ~10 MiB (allocator, ORT arena, GC timing). The short run's second half is five
  // samples over 1,000 requests, too few for a slope (CI once measured 9.9 MiB/1000 from jitter
  // alone), so it bounds the growth: a leak of ~24 KiB per request or more fails. The full run
  // (20,000 requests, 20 samples in its second half) also bounds the slope: ~1 KiB per request.
  t.ok(growth < 24, `RSS grew ${growth.toFixed(1)} MiB over the second half (< 24)`);
  if (FULL) t.ok(slope < 1, `RSS slope ${slope.toFixed(2)} MiB per 1000 requests over the second half (< 1)`);
});

// Latency under a fixed open-loop load: requests arrive at a fixed rate (a fraction of the capacity
// measured first in the same run), whatever the service does; p50/p95/p99 from the scheduled
// arrival, and the Server-Timing split: queue wait vs sampling vs PNG encoding.
//
//   npx tsc -p . && node dist/bench/latency.js [--model DIR] [--steps 10] [--load 0.6] [--requests 60] [--threads N]
import { describe, flags, modelDir, num, readManifest, table, threads } from './cli.js';
import { benchConfig, body, closedLoop, ok, openLoop, startService } from './service.js';
import { meanOf, percentile } from './timing.js';

const f = flags({ steps: '10', load: '0.6', requests: '60', threads: '' });
const dir = modelDir(f);
const manifest = readManifest(dir);
const steps = num(f, 'steps');
const nThreads = threads(f);
const service = await startService(benchConfig(dir, { threads: nThreads }));
await closedLoop(service.url, 16, 16, () => body(manifest, 2)); // warm-up
// capacity at 16 concurrent: the saturated rate the open-loop load is a fraction of
const capacityRun = await closedLoop(service.url, 16, 32, () => body(manifest, steps));
const capacity = ok(capacityRun.outcomes).length / capacityRun.seconds;
const rate = capacity * num(f, 'load');
const requests = num(f, 'requests');
describe(dir, manifest, `steps ${steps}, ${nThreads} threads; capacity ${capacity.toFixed(2)} images/s; open loop at ${rate.toFixed(2)}/s (${f['load']} of it), ${requests} requests`);
const run = await openLoop(service.url, rate, requests, () => body(manifest, steps));
ok(run.outcomes);
await service.close();
const ms = run.outcomes.map((o) => o.ms);
const part = (k: string): number[] => run.outcomes.map((o) => o.timing[k] ?? NaN);
const p50 = percentile(ms, 50);
table(
  `Latency at ${f['load']} x capacity (${rate.toFixed(2)} req/s open loop), ${manifest.name}, ${steps} steps`,
  ['', 'p50 ms', 'p95 ms', 'p99 ms', 'mean ms', 'mean / p50 total'],
  [
    ['total (client, from scheduled arrival)', p50, percentile(ms, 95), percentile(ms, 99), meanOf(ms), meanOf(ms) / p50],
    ['queue (waiting for a batch slot)', percentile(part('queue'), 50), percentile(part('queue'), 95), percentile(part('queue'), 99), meanOf(part('queue')), meanOf(part('queue')) / p50],
    ['sample (steps + decode)', percentile(part('sample'), 50), percentile(part('sample'), 95), percentile(part('sample'), 99), meanOf(part('sample')), meanOf(part('sample')) / p50],
    ['encode (PNG)', percentile(part('encode'), 50), percentile(part('encode'), 95), percentile(part('encode'), 99), meanOf(part('encode')), meanOf(part('encode')) / p50],
  ],
);
console.log(`\np99 / p50: ${(percentile(ms, 99) / p50).toFixed(2)}; achieved ${(requests / run.seconds).toFixed(2)} req/s`);

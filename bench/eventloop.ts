// Event-loop delay of the HTTP thread: idle, then while the engine is saturated (more requests in
// flight than a batch holds, a queue behind them), measured in-process with monitorEventLoopDelay
// (the HTTP thread also hosts this load generator, so the numbers are an upper bound) and read from
// the service's own purrception_nodejs_eventloop_lag_* metrics. Target: max < 50 ms when saturated.
//
//   npx tsc -p . && node dist/bench/eventloop.js [--model DIR] [--steps 10] [--concurrency 24] [--requests 72] [--threads N]
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, flags, modelDir, num, readManifest, table, threads } from './cli.js';
import { benchConfig, body, closedLoop, ok, startService } from './service.js';

const f = flags({ steps: '10', concurrency: '24', requests: '72', threads: '' });
const dir = modelDir(f);
const manifest = readManifest(dir);
const steps = num(f, 'steps');
const nThreads = threads(f);
describe(dir, manifest, `steps ${steps}, ${f['concurrency']} concurrent (max batch 16), ${nThreads} threads`);
const service = await startService(benchConfig(dir, { threads: nThreads, maxBatch: 16 }));
await closedLoop(service.url, 16, 16, () => body(manifest, 2));

async function lagMetric(): Promise<{ max: number; p99: number }> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const read = (name: string): number => Number(new RegExp(`^${name} ([\\d.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000;
  return { max: read('purrception_nodejs_eventloop_lag_max_seconds'), p99: read('purrception_nodejs_eventloop_lag_p99_seconds') };
}

const h = monitorEventLoopDelay({ resolution: 5 });
await lagMetric(); // resets the service's histogram
h.enable();
await sleep(2000);
h.disable();
const idle = { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6, metric: await lagMetric() };
h.reset();
h.enable();
const run = await closedLoop(service.url, num(f, 'concurrency'), num(f, 'requests'), () => body(manifest, steps));
h.disable();
const busy = { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6, metric: await lagMetric() };
ok(run.outcomes);
await service.close();
table(
  'Event-loop delay of the HTTP thread (ms)',
  ['phase', 'p50', 'p99', 'max', 'metric p99', 'metric max'],
  [
    ['idle (2 s)', idle.p50, idle.p99, idle.max, idle.metric.p99, idle.metric.max],
    [`saturated (${run.outcomes.length} requests, ${run.seconds.toFixed(1)} s)`, busy.p50, busy.p99, busy.max, busy.metric.p99, busy.metric.max],
  ],
);
console.log(`\nsaturated max / idle max: ${(busy.max / idle.max).toFixed(2)}; target max < 50 ms: ${busy.max < 50 ? 'met' : 'MISSED'}`);

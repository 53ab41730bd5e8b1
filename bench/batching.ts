// Batching efficiency: images/s through HTTP at concurrency 1, 4 and 16 (closed loop), measured one
// after the other in one run; the ratio to concurrency 1 is what continuous batching buys.
//
//   npx tsc -p . && node dist/bench/batching.js [--model DIR] [--steps 10] [--levels 1,4,16] [--rounds 2] [--threads N]
import { describe, flags, modelDir, num, readManifest, table, threads } from './cli.js';
import { benchConfig, body, closedLoop, ok, startService } from './service.js';
import { meanOf } from './timing.js';

const f = flags({ steps: '10', levels: '1,4,16', rounds: '2', threads: '' });
const dir = modelDir(f);
const manifest = readManifest(dir);
const steps = num(f, 'steps');
const rounds = num(f, 'rounds');
const levels = f['levels']!.split(',').map(Number);
const nThreads = threads(f);
describe(dir, manifest, `steps ${steps}, ${nThreads} threads, max batch 16`);

const service = await startService(benchConfig(dir, { threads: nThreads, maxBatch: 16 }));
await closedLoop(service.url, 16, 16, () => body(manifest, 2)); // warm-up at every batch size
const rows: (string | number)[][] = [];
let base = NaN;
for (const c of levels) {
  // `rounds` full waves of c requests; at concurrency 1 at least 4 images
  const total = Math.max(4, c * rounds);
  const run = await closedLoop(service.url, c, total, () => body(manifest, steps));
  ok(run.outcomes);
  const rate = total / run.seconds;
  if (Number.isNaN(base)) base = rate;
  rows.push([c, total, rate, rate / base, meanOf(run.outcomes.map((o) => o.ms))]);
}
await service.close();
table(`Batching efficiency, ${manifest.name}, ${steps} steps, through HTTP`, ['concurrency', 'images', 'images/s', `x concurrency ${levels[0]}`, 'mean latency ms'], rows);
const last = rows[rows.length - 1]!;
console.log(`\ntarget concurrency ${last[0]} >= 1.5x concurrency ${levels[0]}: ${(last[3] as number) >= 1.5 ? 'met' : 'MISSED'}`);

// Throughput: images/s of the service (HTTP + PNG, `--concurrency` requests in flight) and of its
// engine alone (no HTTP, no PNG), against the training pipeline's PyTorch sampler on the same
// weights (the checkpoint the model was exported from), steps and batch, on the same CPU cores.
//
//   npx tsc -p . && node dist/bench/throughput.js [--model DIR] [--ckpt DIR] [--steps 10]
//        [--concurrency 8] [--images 32] [--threads N] [--rounds 2]
// The three measurements alternate for --rounds rounds; the table shows each one's best round (the
// least disturbed by other load on shared cores) and the ratios of those.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { EngineClient } from '../src/engine/client.js';
import { defaultTau } from '../src/model/manifest.js';
import { PYTHON, ROOT, describe, flags, modelDir, num, readManifest, table, threads } from './cli.js';
import { benchConfig, body, closedLoop, ok, startService } from './service.js';
import { closedLoopSeconds } from './timing.js';

const f = flags({ ckpt: '', steps: '10', concurrency: '8', images: '32', threads: '', rounds: '2' });
const dir = modelDir(f);
const manifest = readManifest(dir);
const steps = num(f, 'steps');
const concurrency = num(f, 'concurrency');
const images = num(f, 'images');
const nThreads = threads(f);
describe(dir, manifest, `steps ${steps}, ${concurrency} concurrent, ${images} images per measurement, ${nThreads} threads`);

const ckptDir = f['ckpt'] || `${dir}/ckpt`;

async function measureRound(): Promise<[number, number, number]> {
// 1. PyTorch reference sampler, batch = concurrency, same steps, cfg and tau as the service defaults
let torchRate = NaN;
if (existsSync(`${ckptDir}/dit`) && existsSync(`${ckptDir}/vq`)) {
  const rounds = Math.max(1, Math.round(images / concurrency));
  const run = spawnSync(
    PYTHON,
    [`${ROOT}bench/torch_sampler.py`, '--ckpt', ckptDir, '--batch', String(concurrency), '--steps', String(steps),
      '--rounds', String(rounds), '--threads', String(nThreads), '--cfg', String(manifest.defaults.cfg), '--tau', String(defaultTau(manifest))],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`torch_sampler.py failed:\n${run.stderr}`);
  torchRate = (JSON.parse(run.stdout.trim().split('\n').pop()!) as { images_per_s: number }).images_per_s;
} else {
  if (round === 0) console.log(`no checkpoint at ${ckptDir} (vq/, dit/): PyTorch column skipped (give --ckpt DIR)`);
}

// 2. The engine alone: worker thread, continuous batching, decode; no HTTP, no PNG
const engine = await EngineClient.start({
  modelDir: dir, executionProviders: ['cpu'], maxBatch: 16, threads: nThreads, queueLimit: 1024,
});
const warm = Array.from({ length: concurrency }, () => engine.generate([{ classId: 0, tau: defaultTau(manifest), cfg: manifest.defaults.cfg, steps: 2, seed: 1 }]));
await Promise.all(warm); // every batch size up to `concurrency` allocated once
const engineSeconds = await closedLoopSeconds(concurrency, images, (n) =>
  engine.generate([{ classId: n % manifest.num_classes, tau: defaultTau(manifest), cfg: manifest.defaults.cfg, steps, seed: n }]),
);
const engineRate = images / engineSeconds;
await engine.close();

// 3. The service through HTTP, PNG included
const service = await startService(benchConfig(dir, { threads: nThreads }));
await closedLoop(service.url, concurrency, concurrency, () => body(manifest, 2)); // warm-up
const http = await closedLoop(service.url, concurrency, images, () => body(manifest, steps));
ok(http.outcomes);
const httpRate = images / http.seconds;
await service.close();
return [torchRate, engineRate, httpRate];
}

let round = 0;
const results: [number, number, number][] = [];
for (; round < num(f, 'rounds'); round++) {
  const r = await measureRound();
  results.push(r);
  const torch = Number.isFinite(r[0]) ? `PyTorch ${r[0].toFixed(3)}, ` : '';
  console.log(`round ${round + 1}: ${torch}engine ${r[1].toFixed(3)}, HTTP ${r[2].toFixed(3)} images/s`);
}
const best = (i: number): number => Math.max(...results.map((r) => r[i]!));
const [torchRate, engineRate, httpRate] = [best(0), best(1), best(2)];

// Without a checkpoint there is no PyTorch figure: the ratios to it and the target are "not compared".
const compared = Number.isFinite(torchRate);
const ratio = (rate: number): number | string => (compared ? rate / torchRate : 'not compared');
table(
  `Throughput, ${manifest.name}, ${steps} steps, batch/concurrency ${concurrency}, ${nThreads} threads (images/s; ratio to PyTorch)`,
  ['sampler', 'images/s', 'x PyTorch'],
  [
    ...(compared ? [['PyTorch reference (purrception.sample, fp32)', torchRate, 1]] : []),
    ['engine only (worker + ORT, no HTTP/PNG)', engineRate, ratio(engineRate)],
    ['service over HTTP (PNG included)', httpRate, ratio(httpRate)],
  ],
);
const target = compared ? (httpRate >= 3 * torchRate ? 'met' : 'MISSED') : `not compared (no PyTorch checkpoint at ${ckptDir}: give --ckpt DIR)`;
console.log(`\nHTTP / engine-only: ${(httpRate / engineRate).toFixed(2)}; target service >= 3x PyTorch: ${target}`);

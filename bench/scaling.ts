// How cost grows with batch, steps and latent size, measured in one run on the engine (worker, ORT,
// decode; no HTTP). Batch: one step-graph run and one decode run per batch size. Steps: wall time per
// image at 8 concurrent. Latent size: the same DiT over 8x8, 16x16 and 32x32 latents (random-weight
// models from bench/make_bench_model.py --image-size 32/64/128), step run at batch 8.
//
//   npx tsc -p . && node dist/bench/scaling.js [--model DIR] [--runs 5] [--threads N]
import { existsSync } from 'node:fs';
import { EngineClient } from '../src/engine/client.js';
import { defaultTau, loadModelSpec } from '../src/model/manifest.js';
import { OrtModel } from '../src/model/sessions.js';
import { guideAll } from '../src/engine/runner.js';
import { BENCH_MODEL, describe, flags, modelDir, num, readManifest, table, threads } from './cli.js';

const f = flags({ runs: '5', threads: '', batches: '1,2,4,8,16', steps: '5,10,20,40', sizes: '' });
const dir = modelDir(f);
const manifest = readManifest(dir);
const runs = num(f, 'runs');
const nThreads = threads(f);
describe(dir, manifest, `${nThreads} threads, median of ${runs}`);
const median = (x: number[]): number => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)]!;

async function timeStepAndDecode(modelPath: string, batch: number): Promise<{ step: number; decode: number }> {
  const spec = loadModelSpec(modelPath);
  const model = await OrtModel.load(spec, { executionProviders: ['cpu'], threads: nThreads });
  const { channels, height, width } = spec.manifest.latent;
  const z = Float32Array.from({ length: batch * channels * height * width }, () => Math.random() * 2 - 1);
  const stepBatch = { size: batch, z, t: new Float32Array(batch).fill(0.5), y: new BigInt64Array(batch).fill(1n), cfg: new Float32Array(batch).fill(1.3), tau: new Float32Array(batch).fill(0.9), guide: guideAll(batch) };
  await model.step(stepBatch);
  await model.decode(z, batch);
  const s: number[] = [];
  const d: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t0 = performance.now();
    await model.step(stepBatch);
    s.push(performance.now() - t0);
    t0 = performance.now();
    await model.decode(z, batch);
    d.push(performance.now() - t0);
  }
  await model.release();
  return { step: median(s), decode: median(d) };
}

// 1. batch
const batchRows: (string | number)[][] = [];
let one = { step: NaN, decode: NaN };
for (const b of f['batches']!.split(',').map(Number)) {
  const r = await timeStepAndDecode(dir, b);
  if (b === 1) one = r;
  batchRows.push([b, r.step, r.step / b, r.step / one.step, r.decode, r.decode / b]);
}
table('Cost vs batch (one run of each graph)', ['batch', 'step ms', 'step ms/sample', 'step x batch 1', 'decode ms', 'decode ms/sample'], batchRows);

// 2. steps (engine, 8 concurrent, full requests)
const engine = await EngineClient.start({ modelDir: dir, executionProviders: ['cpu'], maxBatch: 16, threads: nThreads, queueLimit: 1024 });
const req = (steps: number, seed: number) => ({ classId: seed % manifest.num_classes, tau: defaultTau(manifest), cfg: manifest.defaults.cfg, steps, seed });
await Promise.all(Array.from({ length: 8 }, (_, i) => engine.generate([req(2, i)])));
const stepRows: (string | number)[][] = [];
let base = NaN;
for (const steps of f['steps']!.split(',').map(Number)) {
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 8 }, (_, i) => engine.generate([req(steps, 100 + i)])));
  const perImage = (performance.now() - t0) / 8;
  if (Number.isNaN(base)) base = perImage / steps;
  stepRows.push([steps, perImage, perImage / steps, perImage / steps / base]);
}
await engine.close();
table('Cost vs steps (8 concurrent requests, engine only)', ['steps', 'ms/image', 'ms/image/step', 'per-step cost x first row'], stepRows);

// 3. latent size
const sizes = f['sizes'] ? f['sizes'].split(',') : [`${BENCH_MODEL}-32`, BENCH_MODEL, `${BENCH_MODEL}-128`];
const sizeRows: (string | number)[][] = [];
let ref = NaN;
for (const path of sizes) {
  if (!existsSync(`${path}/manifest.json`)) {
    console.log(`skipped ${path}: make it with bench/make_bench_model.py --image-size N --out ${path}`);
    continue;
  }
  const m = readManifest(path);
  const tokens = (m.latent.height / 2) * (m.latent.width / 2);
  const r = await timeStepAndDecode(path, 8);
  if (Number.isNaN(ref)) ref = r.step / tokens;
  sizeRows.push([`${m.latent.height}x${m.latent.width} (${m.image.width} px)`, tokens, r.step, r.step / tokens / ref, r.decode]);
}
table('Cost vs latent size (batch 8, same DiT width and depth)', ['latents', 'tokens', 'step ms', 'step ms/token x smallest', 'decode ms'], sizeRows);

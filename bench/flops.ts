// The fraction of the machine's matrix-multiply rate the step graph reaches. The step's FLOPs are
// counted from the DiT config in the manifest's provenance (hidden, depth, heads, MLP, tokens,
// patch, K); the ceiling is a graph of plain MatMuls of exactly the step's shapes
// (bench/make_gemm_graph.py), run by onnxruntime-node with the same threads. Both graphs run
// alternately in one loop, so drift hits both alike.
//
//   npx tsc -p . && node dist/bench/flops.js [--model DIR] [--batches 1,8,16] [--runs 6] [--threads N]
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { defaultTau, loadModelSpec } from '../src/model/manifest.js';
import { OrtModel } from '../src/model/sessions.js';
import { guideAll, type StepBatch } from '../src/engine/runner.js';
import { PYTHON, ROOT, describe, flags, fmt, modelDir, num, readManifest, table, threads } from './cli.js';

export interface DitConfig {
  latent_size: number;
  latent_channels: number;
  codebook_size: number;
  patch_size: number;
  hidden: number;
  depth: number;
  heads: number;
  mlp_ratio: number;
  freq_dim: number;
}

export interface Gemm {
  name: string;
  g: number;
  m: number;
  k: number;
  n: number;
  count: number;
}

/** The matrix products of one step-graph run over `batch` samples (guidance doubles the DiT rows). */
export function stepGemms(c: DitConfig, batch: number): Gemm[] {
  const rows = 2 * batch; // conditional + unconditional
  const tokens = (c.latent_size / c.patch_size) ** 2;
  const d = c.hidden;
  const mlp = Math.floor(d * c.mlp_ratio);
  const dh = d / c.heads;
  const pp = c.patch_size * c.patch_size;
  const L = c.depth;
  return [
    { name: 'patch embed', g: 0, m: rows * tokens, k: c.latent_channels * pp, n: d, count: 1 },
    { name: 't embed MLP', g: 0, m: rows, k: c.freq_dim, n: d, count: 1 },
    { name: 't embed MLP 2', g: 0, m: rows, k: d, n: d, count: 1 },
    { name: 'adaLN (blocks)', g: 0, m: rows, k: d, n: 6 * d, count: L },
    { name: 'qkv', g: 0, m: rows * tokens, k: d, n: 3 * d, count: L },
    { name: 'q k^T', g: rows * c.heads, m: tokens, k: dh, n: tokens, count: L },
    { name: 'attn v', g: rows * c.heads, m: tokens, k: tokens, n: dh, count: L },
    { name: 'attn proj', g: 0, m: rows * tokens, k: d, n: d, count: L },
    { name: 'MLP fc1', g: 0, m: rows * tokens, k: d, n: mlp, count: L },
    { name: 'MLP fc2', g: 0, m: rows * tokens, k: mlp, n: d, count: L },
    { name: 'adaLN (final)', g: 0, m: rows, k: d, n: 2 * d, count: 1 },
    // guidance on hidden states: the K-way head and the barycenter run once per sample
    { name: 'K-way head', g: 0, m: batch * tokens, k: d, n: pp * c.codebook_size, count: 1 },
    { name: 'barycenter pi @ E', g: 0, m: batch * tokens * pp, k: c.codebook_size, n: c.latent_channels, count: 1 },
  ];
}

export const gemmFlops = (x: Gemm): number => 2 * Math.max(1, x.g) * x.m * x.k * x.n * x.count;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const f = flags({ batches: '1,8,16', runs: '6', threads: '' });
const dir = modelDir(f);
const manifest = readManifest(dir);
const config = (manifest.provenance?.['config'] as { dit?: DitConfig } | undefined)?.dit;
if (!config) throw new Error(`${dir}/manifest.json has no provenance.config.dit: cannot count FLOPs`);
const nThreads = threads(f);
const runs = num(f, 'runs');
describe(dir, manifest, `DiT hidden ${config.hidden}, depth ${config.depth}, heads ${config.heads}, tokens ${(config.latent_size / config.patch_size) ** 2}; ${nThreads} threads, median of ${2 * runs} runs`);

const model = await OrtModel.load(loadModelSpec(dir), { executionProviders: ['cpu'], threads: nThreads });
const { channels, height, width } = manifest.latent;
const rows: (string | number)[][] = [];
let breakdown: Gemm[] = [];
mkdirSync(`${ROOT}data`, { recursive: true });
for (const batch of f['batches']!.split(',').map(Number)) {
  const gemms = stepGemms(config, batch);
  breakdown = gemms;
  const flops = gemms.reduce((sum, x) => sum + gemmFlops(x), 0);
  const path = `${ROOT}data/gemm-b${batch}.onnx`;
  execFileSync(PYTHON, [`${ROOT}bench/make_gemm_graph.py`, '--shapes', JSON.stringify(gemms), '--out', path]);
  const session = await ort.InferenceSession.create(path, {
    executionProviders: ['cpu'], intraOpNumThreads: nThreads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionMode: 'sequential',
  });
  const feeds = Object.fromEntries(
    gemms.map((x, e) => {
      const dims = [...(x.g ? [x.g] : []), x.m, x.k];
      const data = Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => Math.random() - 0.5);
      return [`a${e}`, new ort.Tensor('float32', data, dims)];
    }),
  );
  const size = channels * height * width;
  const stepBatch: StepBatch = {
    size: batch,
    z: Float32Array.from({ length: batch * size }, () => Math.random() * 2 - 1),
    t: new Float32Array(batch).fill(0.5),
    y: new BigInt64Array(batch).fill(1n),
    cfg: new Float32Array(batch).fill(manifest.defaults.cfg),
    tau: new Float32Array(batch).fill(defaultTau(manifest)),
    guide: guideAll(batch),
  };
  await model.step(stepBatch);
  await session.run(feeds); // warm-up both
  const stepMs: number[] = [];
  const gemmMs: number[] = [];
  // alternate blocks of 3 runs, the first of each block discarded: the other session's thread pool
  // may still spin right after its run and would be charged to this one
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < 3; j++) {
      const t0 = performance.now();
      await model.step(stepBatch);
      if (j > 0) stepMs.push(performance.now() - t0);
    }
    for (let j = 0; j < 3; j++) {
      const t0 = performance.now();
      await session.run(feeds);
      if (j > 0) gemmMs.push(performance.now() - t0);
    }
  }
  await session.release();
  const step = median(stepMs);
  const gemm = median(gemmMs);
  rows.push([batch, flops / 1e9, step, gemm, flops / step / 1e6, flops / gemm / 1e6, gemm / step]);
}
await model.release();

table(
  'Step graph vs plain GEMMs of the same shapes (GFLOP counts only matrix products)',
  ['batch', 'GFLOP/step', 'step ms', 'GEMM-only ms', 'step GFLOP/s', 'GEMM GFLOP/s', 'fraction of GEMM rate'],
  rows,
);
const total = breakdown.reduce((sum, x) => sum + gemmFlops(x), 0);
table(
  `Where the FLOPs are (batch ${f['batches']!.split(',').pop()})`,
  ['product', 'shape', 'share'],
  breakdown.map((x) => [x.name, `${x.g ? `${x.g}x` : ''}${x.m}x${x.k} @ ${x.k}x${x.n} x${x.count}`, `${fmt((100 * gemmFlops(x)) / total)} %`]),
);

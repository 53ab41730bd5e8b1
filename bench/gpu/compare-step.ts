// Step graphs of one model side by side: median time of each graph on one execution provider at
// each batch size, measured alternately in one process (blocks of 3 runs per graph, the first of
// each block dropped), and each graph's ratio to the first. Also the largest |mu| difference to the
// first graph on the same inputs. Used for the Gemm export (CPU) and the fp16 variant (GPU).
//
//   npx tsc -p . && node dist/bench/gpu/compare-step.js --graphs data/bench-model/step.onnx,data/bench-model-gemm/step.onnx
//        [--provider cpu] [--batches 1,8,16] [--runs 10] [--threads N] [--json FILE] [--label NAME]
// With --label, each row is also printed as a JSON line (bench/gpu/run.sh collects those).
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { type StepShape, stepFeeds } from '../step-feeds.js';
import { median, timeInterleaved } from '../timing.js';

const { values: f } = parseArgs({
  options: {
    graphs: { type: 'string' },
    provider: { type: 'string', default: 'cpu' },
    batches: { type: 'string', default: '1,8,16' },
    runs: { type: 'string', default: '10' },
    threads: { type: 'string', default: String(availableParallelism()) },
    json: { type: 'string', default: '' },
    label: { type: 'string', default: '' },
  },
});
if (!f.graphs) throw new Error('--graphs A.onnx,B.onnx[,...] is required (same model, same manifest)');
const graphs = f.graphs.split(',');
const batches = f.batches.split(',').map(Number);
const runs = Number(f.runs);
const manifest = JSON.parse(readFileSync(join(dirname(graphs[0]!), 'manifest.json'), 'utf8')) as StepShape;
const options: ort.InferenceSession.SessionOptions = {
  executionProviders: [f.provider], graphOptimizationLevel: 'all', intraOpNumThreads: Number(f.threads),
  interOpNumThreads: 1, executionMode: 'sequential',
};

const sessions = [];
for (const g of graphs) sessions.push(await ort.InferenceSession.create(g, options));
const rows: { batch: number; graph: string; ms: number; ratio: number; maxAbsMu: number }[] = [];
for (const batch of batches) {
  const input = stepFeeds(manifest, batch, sessions[0]!.inputNames);
  const mu: Float32Array[] = [];
  for (const s of sessions) mu.push((await s.run(input)).mu!.data as Float32Array); // warm-up
  const times = await timeInterleaved(sessions, input, runs);
  const ref = median(times[0]!);
  for (const [g, graph] of graphs.entries()) {
    let diff = 0;
    for (let k = 0; k < mu[0]!.length; k++) diff = Math.max(diff, Math.abs(mu[g]![k]! - mu[0]![k]!));
    rows.push({ batch, graph, ms: median(times[g]!), ratio: ref / median(times[g]!), maxAbsMu: diff });
  }
}
for (const s of sessions) await s.release();

console.log(`\nStep graphs on ${f.provider}, ${f.threads} threads, median of ${2 * runs} runs (speed-up = first graph's ms / this one's)\n`);
console.log('| batch | graph | ms | speed-up | max abs mu diff to first |');
console.log('| --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.batch} | ${r.graph} | ${r.ms.toFixed(1)} | ${r.ratio.toFixed(3)} | ${r.maxAbsMu.toExponential(1)} |`);
if (f.label) for (const r of rows) console.log(JSON.stringify({ side: 'compare', shape: f.label, provider: f.provider, ...r }));
if (f.json) writeFileSync(f.json, JSON.stringify({ provider: f.provider, threads: Number(f.threads), runs, rows }, null, 2));

// Where a step-graph run spends its time (ORT's profiler, summed by op type), and what ORT session
// knobs change: thread count and intra-op spinning, measured alternately in one run.
//
//   npx tsc -p . && node dist/bench/profile-step.js [--model DIR] [--batch 8] [--runs 10]
import { readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, flags, fmt, modelDir, num, readManifest, table } from './common.js';
import { median as med, timeInterleaved } from './timing.js';

const f = flags({ batch: '8', runs: '10' });
const dir = modelDir(f);
const manifest = readManifest(dir);
const batch = num(f, 'batch');
const runs = num(f, 'runs');
const cores = availableParallelism();
describe(dir, manifest, `batch ${batch}, ${runs} runs per variant, ${cores} cores`);

const { channels, height, width } = manifest.latent;
const feeds = {
  z: new ort.Tensor('float32', Float32Array.from({ length: batch * channels * height * width }, () => Math.random() * 2 - 1), [batch, channels, height, width]),
  t: new ort.Tensor('float32', new Float32Array(batch).fill(0.5), [batch]),
  y: new ort.Tensor('int64', new BigInt64Array(batch).fill(1n), [batch]),
  cfg: new ort.Tensor('float32', new Float32Array(batch).fill(1.3), [batch]),
  tau: new ort.Tensor('float32', new Float32Array(batch).fill(0.9), [batch]),
};
const base: ort.InferenceSession.SessionOptions = {
  executionProviders: ['cpu'], graphOptimizationLevel: 'all', interOpNumThreads: 1, executionMode: 'sequential',
};

// 1. Profile: time per op type
const prefix = join(tmpdir(), `purrception-profile-${process.pid}`);
const profiled = await ort.InferenceSession.create(`${dir}/step.onnx`, { ...base, intraOpNumThreads: cores, enableProfiling: true, profileFilePrefix: prefix });
for (let i = 0; i < runs; i++) await profiled.run(feeds);
profiled.endProfiling();
await profiled.release();
const { readdirSync } = await import('node:fs');
const file = readdirSync(tmpdir()).map((n) => join(tmpdir(), n)).find((p) => p.startsWith(prefix));
if (file) {
  const events = JSON.parse(readFileSync(file, 'utf8')) as { cat: string; name: string; dur: number; args?: { op_name?: string } }[];
  rmSync(file, { force: true });
  const byOp = new Map<string, number>();
  let total = 0;
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const op = e.args?.op_name ?? '?';
    byOp.set(op, (byOp.get(op) ?? 0) + e.dur);
    total += e.dur;
  }
  table(
    `Step graph, batch ${batch}: kernel time by op type (ORT profiler, ${runs} runs, first one included)`,
    ['op type', 'ms per run', 'share'],
    [...byOp.entries()].sort((a, b) => b[1] - a[1]).slice(0, 14).map(([op, us]) => [op, us / 1000 / runs, `${fmt((100 * us) / total)} %`]),
  );
}

// 2. Session knobs, measured alternately
const variants: [string, ort.InferenceSession.SessionOptions][] = [
  [`intraOp ${cores} (service default)`, { ...base, intraOpNumThreads: cores }],
  [`intraOp ${cores}, no spinning`, { ...base, intraOpNumThreads: cores, extra: { session: { intra_op: { allow_spinning: '0' } } } }],
  ['intraOp 1', { ...base, intraOpNumThreads: 1 }],
];
const sessions = await Promise.all(variants.map(([, o]) => ort.InferenceSession.create(`${dir}/step.onnx`, o)));
for (const s of sessions) await s.run(feeds);
const times = await timeInterleaved(sessions, feeds, runs);
const ref = med(times[0]!);
table(`Step graph, batch ${batch}: ORT session options (median ms)`, ['variant', 'ms', 'x default'], variants.map(([name], v) => [name, med(times[v]!), med(times[v]!) / ref]));
for (const s of sessions) await s.release();

// Where a step-graph run spends its time (ORT's profiler), and on cpu what ORT session knobs change:
// thread count and intra-op spinning, measured alternately in one run.
//
//   npx tsc -p . && node dist/bench/profile-step.js [--model DIR] [--batch 8] [--runs 10]
//        [--provider cpu] [--graph step.onnx] [--threads N] [--label NAME]
//
// On cpu the profile sums kernel time by op type. On webgpu kernels run asynchronously, so their
// CPU-side times are only dispatches: the profile sums the GPU timestamps that the WebGPU provider
// records per dispatch (when the device has timestamp queries) by op type and shader program, and
// lists the slowest single dispatches with their shapes. With --label, each row is also printed as a
// JSON line (bench/gpu/run.sh collects those). Imports nothing of the service's node_modules but
// onnxruntime-node, so it runs on the GPU machine (bench/gpu/run.sh).
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, flags, fmt, modelDir, num, readManifest, table, threads as threadsFlag } from './cli.js';
import { stepFeeds } from './step-feeds.js';
import { median, timeInterleaved } from './timing.js';

const f = flags({ batch: '8', runs: '10', provider: 'cpu', graph: 'step.onnx', threads: '', label: '' });
const dir = modelDir(f);
const manifest = readManifest(dir);
const batch = num(f, 'batch');
const runs = num(f, 'runs');
const threads = threadsFlag(f);
const graph = join(dir, f['graph']!);
const provider = f['provider']!;
describe(dir, manifest, `${f['graph']} on ${provider}, batch ${batch}, ${runs} runs, ${threads} threads`);

const base: ort.InferenceSession.SessionOptions = {
  executionProviders: [provider], graphOptimizationLevel: 'all', interOpNumThreads: 1, executionMode: 'sequential',
};

interface TraceEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string; shapes?: string };
}

/** The trace of `runs` runs. onnxruntime-node profiles from session creation on, so the first run's
 * allocations (and on a GPU, its shader compilation on the CPU side) are in it. */
async function trace(feedsOf: (names: readonly string[]) => Record<string, ort.Tensor>): Promise<TraceEvent[]> {
  const prefix = join(tmpdir(), `purrception-profile-${process.pid}`);
  const session = await ort.InferenceSession.create(graph, { ...base, intraOpNumThreads: threads, enableProfiling: true, profileFilePrefix: prefix });
  const feeds = feedsOf(session.inputNames);
  for (let i = 0; i < runs; i++) await session.run(feeds);
  session.endProfiling();
  await session.release();
  const files = readdirSync(tmpdir()).map((n) => join(tmpdir(), n)).filter((p) => p.startsWith(prefix));
  const events = files.flatMap((p) => JSON.parse(readFileSync(p, 'utf8')) as TraceEvent[]);
  for (const p of files) rmSync(p, { force: true });
  return events;
}

// GPU dispatch events are named "node&opType&program" and carry the shapes; cpu kernels are Node events
const gpuEvents = (events: TraceEvent[]): TraceEvent[] => events.filter((e) => e.cat === 'Api' && e.args?.shapes !== undefined && e.name.includes('&'));
const cpuKernelEvents = (events: TraceEvent[]): TraceEvent[] => events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));

function byKey(events: TraceEvent[], key: (e: TraceEvent) => string): [string, number][] {
  const sums = new Map<string, number>();
  for (const e of events) {
    const k = key(e);
    sums.set(k, (sums.get(k) ?? 0) + e.dur);
  }
  return [...sums.entries()].sort((a, b) => b[1] - a[1]);
}

function report(kind: string, column: string, sums: [string, number][]): void {
  const total = sums.reduce((a, [, us]) => a + us, 0);
  const rows = sums.slice(0, 14).map(([key, us]) => ({ key, msPerRun: us / 1000 / runs, share: us / total }));
  table(
    `${f['graph']} on ${provider}, batch ${batch}: ${kind} (ORT profiler, mean of ${runs} runs, the first included; all kernels ${fmt(total / 1000 / runs)} ms per run)`,
    [column, 'ms per run', 'share'],
    rows.map((r) => [r.key, r.msPerRun, `${fmt(100 * r.share)} %`]),
  );
  if (f['label']) for (const r of rows) console.log(JSON.stringify({ side: 'profile', shape: f['label'], provider, graph: f['graph'], batch, kind, ...r }));
}

// 1. Profile
const events = await trace((names) => stepFeeds(manifest, batch, names));
const gpu = gpuEvents(events);
if (gpu.length) {
  report('GPU time by op type and program', 'op type / program', byKey(gpu, (e) => e.name.split('&').slice(1).join(' / ')));
  const slowest = [...gpu].sort((a, b) => b.dur - a.dur).slice(0, 8);
  table('Slowest single dispatches (GPU time)', ['node / op / program', 'ms', 'shapes'], slowest.map((e) => [e.name.replaceAll('&', ' / '), e.dur / 1000, e.args?.shapes ?? '']));
} else {
  if (provider !== 'cpu') console.log(`\nno GPU timestamps from ${provider} (no timestamp queries on this device?): the times below are CPU-side dispatches`);
  report('kernel time by op type', 'op type', byKey(cpuKernelEvents(events), (e) => e.args?.op_name ?? '?'));
}

// 2. Session knobs (cpu thread pools), measured alternately
if (provider === 'cpu') {
  const variants: [string, ort.InferenceSession.SessionOptions][] = [
    [`intraOp ${threads} (service default)`, { ...base, intraOpNumThreads: threads }],
    [`intraOp ${threads}, no spinning`, { ...base, intraOpNumThreads: threads, extra: { session: { intra_op: { allow_spinning: '0' } } } }],
    ['intraOp 1', { ...base, intraOpNumThreads: 1 }],
  ];
  const sessions = await Promise.all(variants.map(([, o]) => ort.InferenceSession.create(graph, o)));
  const feeds = stepFeeds(manifest, batch, sessions[0]!.inputNames);
  for (const s of sessions) await s.run(feeds);
  const times = await timeInterleaved(sessions, feeds, runs);
  const ref = median(times[0]!);
  table(`Step graph, batch ${batch}: ORT session options (median ms)`, ['variant', 'ms', 'x default'], variants.map(([name], v) => [name, median(times[v]!), median(times[v]!) / ref]));
  for (const s of sessions) await s.release();
}

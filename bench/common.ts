// Shared pieces of the benchmarks: flags, the model directory, an in-process service on a loopback
// port, closed- and open-loop HTTP load, percentiles and the printed tables. Every benchmark measures
// the things it compares side by side in one run and prints ratios: on shared cores absolute times
// drift from run to run, ratios much less.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { DEFAULTS, type Config } from '../src/config.js';
import type { Manifest } from '../src/model/manifest.js';
import { closedLoopSeconds } from './timing.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BUNDLED_MODEL = `${ROOT}models/emoji-zoo-64`;
export const BENCH_MODEL = `${ROOT}data/bench-model`;

export type Flags = Record<string, string>;

/** `--name value` flags over defaults; every value stays a string (read with num()). */
export function flags(defaults: Flags): Flags {
  const options = Object.fromEntries(Object.keys({ model: '', ...defaults }).map((k) => [k, { type: 'string' as const }]));
  const { values } = parseArgs({ args: process.argv.slice(2), options, strict: true, allowPositionals: false });
  const merged: Flags = { model: '', ...defaults };
  for (const [key, value] of Object.entries(values)) if (typeof value === 'string') merged[key] = value;
  return merged;
}

export function num(f: Flags, key: string): number {
  const value = Number(f[key]);
  if (!Number.isFinite(value)) throw new Error(`--${key} must be a number, got "${f[key]}"`);
  return value;
}

/** --model DIR, else the bundled model when it exists, else the random-weight bench model. */
export function modelDir(f: Flags): string {
  const dir = f['model'] || (existsSync(`${BUNDLED_MODEL}/manifest.json`) ? BUNDLED_MODEL : BENCH_MODEL);
  if (!existsSync(`${dir}/manifest.json`)) {
    throw new Error(
      `${dir}/manifest.json not found. Make the random-weight bench model first:\n` +
        '  cd training && /usr/bin/python3 ../bench/make_bench_model.py --out ../data/bench-model',
    );
  }
  return dir;
}

export function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(`${dir}/manifest.json`, 'utf8')) as Manifest;
}

export function threads(f: Flags): number {
  return f['threads'] ? num(f, 'threads') : availableParallelism();
}

export function benchConfig(dir: string, overrides: Partial<Config> = {}): Config {
  return { ...DEFAULTS, modelDir: dir, logLevel: 'silent', cacheBytes: 0, port: 0, ...overrides };
}

export interface Service {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/** The real app (worker engine, routes, PNG encoding) listening on a loopback port. */
export async function startService(config: Config): Promise<Service> {
  const app = await buildApp({ config, logger: false });
  await app.engineReady;
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url, close: () => app.close() };
}

export interface Outcome {
  status: number;
  ms: number;
  bytes: number;
  timing: Record<string, number>;
}

/** Parses `queue;dur=1.2, sample;dur=30.0, encode;dur=0.4`. */
export function serverTiming(header: string | null): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of (header ?? '').split(',')) {
    const match = /^\s*([\w-]+);dur=([\d.]+)/.exec(part);
    if (match) out[match[1]!] = Number(match[2]);
  }
  return out;
}

export async function post(url: string, body: unknown): Promise<Outcome> {
  const started = performance.now();
  const res = await fetch(`${url}/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const bytes = (await res.arrayBuffer()).byteLength;
  return { status: res.status, ms: performance.now() - started, bytes, timing: serverTiming(res.headers.get('server-timing')) };
}

let seedCounter = 1;
export function body(manifest: Manifest, steps: number): Record<string, number> {
  const seed = seedCounter++;
  return { class: seed % manifest.num_classes, steps, seed };
}

/** Closed loop: `concurrency` clients, each sends its next request when the last one returns. */
export async function closedLoop(
  url: string,
  concurrency: number,
  total: number,
  next: () => unknown,
): Promise<{ seconds: number; outcomes: Outcome[] }> {
  const outcomes: Outcome[] = [];
  const seconds = await closedLoopSeconds(concurrency, total, async () => outcomes.push(await post(url, next())));
  return { seconds, outcomes };
}

/** Open loop: requests arrive at a fixed rate whatever the service does (no coordinated omission). */
export async function openLoop(
  url: string,
  ratePerSecond: number,
  total: number,
  next: () => unknown,
): Promise<{ seconds: number; outcomes: Outcome[] }> {
  const started = performance.now();
  const inflight: Promise<Outcome>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / ratePerSecond;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const sent = performance.now();
    // latency counts from the scheduled arrival, so a late send is charged to the service
    inflight.push(post(url, next()).then((o) => ({ ...o, ms: o.ms + (sent - due) })));
  }
  const outcomes = await Promise.all(inflight);
  return { seconds: (performance.now() - started) / 1000, outcomes };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

export function meanOf(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

export function ok(outcomes: Outcome[]): Outcome[] {
  const failed = outcomes.filter((o) => o.status !== 200);
  if (failed.length) throw new Error(`${failed.length} of ${outcomes.length} requests failed: statuses ${[...new Set(failed.map((o) => o.status))].join(',')}`);
  return outcomes;
}

/** Prints a Markdown table (pasted into docs/performance.md as is). */
export function table(title: string, header: string[], rows: (string | number)[][]): void {
  const cell = (v: string | number): string => (typeof v === 'number' ? fmt(v) : v);
  console.log(`\n${title}\n`);
  console.log(`| ${header.join(' | ')} |`);
  console.log(`| ${header.map(() => '---').join(' | ')} |`);
  for (const row of rows) console.log(`| ${row.map(cell).join(' | ')} |`);
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  return abs >= 100 ? v.toFixed(0) : abs >= 10 ? v.toFixed(1) : abs >= 1 ? v.toFixed(2) : v.toFixed(3);
}

export function describe(dir: string, m: Manifest, extra: string): void {
  console.log(`model ${dir} (${m.name}: ${m.image.width}x${m.image.height}, latents ${m.latent.channels}x${m.latent.height}x${m.latent.width}, K=${m.codebook_size}); ${extra}`);
}

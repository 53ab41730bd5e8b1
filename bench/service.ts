// The service under load, for the benchmarks that go through HTTP: the real app in-process on a
// loopback port, closed- and open-loop request streams, Server-Timing parsing. Every benchmark
// measures the things it compares side by side in one run and prints ratios: on shared cores
// absolute times drift from run to run, ratios much less.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { DEFAULTS, type Config } from '../src/config.js';
import type { Manifest } from '../src/model/manifest.js';
import { closedLoopSeconds } from './timing.js';

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

export function ok(outcomes: Outcome[]): Outcome[] {
  const failed = outcomes.filter((o) => o.status !== 200);
  if (failed.length) throw new Error(`${failed.length} of ${outcomes.length} requests failed: statuses ${[...new Set(failed.map((o) => o.status))].join(',')}`);
  return outcomes;
}

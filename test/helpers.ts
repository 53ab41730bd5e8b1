// Shared test helpers: fixture paths, an app over a fixture model, model copies, PNG decoding, test images.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { deflateSync } from 'node:zlib';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { Test } from 'tap';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../src/app.js';
import { DEFAULTS, type Config } from '../src/config.js';

// Tests run from dist/test/, fixtures stay in the source tree.
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ORACLE_DIR = `${ROOT}test/fixtures/oracle`;
export const TINY_DIR = `${ROOT}test/fixtures/tiny`;

export function testConfig(overrides: Partial<Config> = {}): Config {
  return { ...DEFAULTS, modelDir: ORACLE_DIR, threads: 1, logLevel: 'silent', ...overrides };
}

/** An app over a fixture model, ready to serve; closed by the caller (t.teardown). */
export async function readyApp(overrides: Partial<Config> = {}, extra: Partial<AppOptions> = {}): Promise<FastifyInstance> {
  const app = await buildApp({ config: testConfig(overrides), logger: false, ...extra });
  await app.engineReady;
  return app;
}

export async function decodePng(png: Buffer): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

export function generate(app: FastifyInstance, body: unknown) {
  return app.inject({ method: 'POST', url: '/generate', payload: body as object });
}

/** Reads a counter or histogram count from the app's Prometheus registry. */
export async function metricValue(app: FastifyInstance, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await app.serviceMetrics.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? [])
    .filter((v) => !('metricName' in v) || v.metricName === name || v.metricName === `${name}_count`)
    .filter((v) => Object.entries(labels).every(([key, value]) => v.labels[key] === value))
    .reduce((sum, v) => sum + v.value, 0);
}

/** Resolves once `condition` holds (checked every 5 ms); rejects naming `what` after `ms`. A wait on an event, not a sleep. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await sleep(5);
  }
}

/** Resolves once the engine ran a step run after this call: the requests sent before it are being sampled. */
export async function aStepRan(app: FastifyInstance): Promise<void> {
  const runs = await metricValue(app, 'purrception_step_runs_total');
  await until(async () => (await metricValue(app, 'purrception_step_runs_total')) > runs, 'a step run');
}

/**
 * After a cancellation or a timeout the server has counted, of a request of `rows` images that was alone
 * in the engine: a request sent now reaches the worker after the cancel message (they travel in order),
 * so if the cancelled samples had stayed in the batch, the new request's step runs would have held more
 * than `rows` rows. None did: every step run ever held at most `rows` rows.
 */
export async function leftTheBatch(t: Test, app: FastifyInstance, rows = 1): Promise<void> {
  t.equal((await generate(app, { class: 1, steps: 2 })).statusCode, 200, 'the next request is served');
  const { values } = await app.serviceMetrics.batchSize.get();
  const runs = values.find((v) => v.metricName === 'purrception_batch_size_count')?.value ?? 0;
  const small = values.find((v) => v.metricName === 'purrception_batch_size_bucket' && (v.labels as Record<string, unknown>)['le'] === rows)?.value ?? 0;
  t.ok(runs >= 2 && small === runs, `no step run held the cancelled samples beside the next request (${small} of ${runs} runs held at most ${rows} rows)`);
}

/** A temporary copy of a model directory, its manifest edited by `edit`; removed at teardown. */
export function copyModel(t: Test, from: string, edit: (dir: string, manifest: Record<string, unknown>) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'purrception-model-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(from, dir, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  edit(dir, manifest);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

/** An RGB (or RGBA) image of `width` x `height` whose pixel (x, y) is `colour(x, y)`, as PNG, JPEG or WebP bytes. */
export async function imageOf(
  width: number,
  height: number,
  colour: (x: number, y: number) => number[],
  format: 'png' | 'jpeg' | 'webp' = 'png',
): Promise<Buffer> {
  const channels = colour(0, 0).length as 3 | 4;
  const raw = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw.set(colour(x, y), (y * width + x) * channels);
  return sharp(raw, { raw: { width, height, channels } }).toFormat(format).toBuffer();
}

/**
 * A valid 1-bit PNG of width x height pixels in a few kilobytes (all-zero rows deflate ~1000:1): what a
 * decompression bomb looks like to a decoder.
 */
export function bombPng(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer): number => {
    let c = 0xffffffff;
    for (const byte of bytes) c = crcTable[(c ^ byte) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([length, body, sum]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 1; // bit depth 1, colour type 0 (grey)
  const rows = Buffer.alloc(height * (1 + Math.ceil(width / 8)));
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

/** The app listening on a free port of 127.0.0.1, for clients outside the process; its base URL. */
export async function listening(app: FastifyInstance): Promise<string> {
  return app.listen({ port: 0, host: '127.0.0.1' });
}

/** The repo's Python environment (.venv, scripts/python-env.sh: ~0.1 s when up to date); its bin folder. */
export async function pythonEnv(): Promise<string> {
  await promisify(execFile)('bash', [join(ROOT, 'scripts/python-env.sh')], { cwd: ROOT });
  return join(ROOT, '.venv/bin');
}

/** Every file under dir by its relative path, with its text (bytecode caches aside: Python writes them on import). */
export function filesUnder(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (at: string): void => {
    for (const name of readdirSync(at)) {
      const path = join(at, name);
      if (name === '__pycache__') continue;
      if (statSync(path).isDirectory()) walk(path);
      else out.set(relative(dir, path), readFileSync(path, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

// Shared test helpers: fixture paths, an app over a fixture model, model copies, PNG decoding, test images.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
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

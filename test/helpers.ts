// Shared test helpers: fixture paths, an app over a fixture model, model copies, PNG decoding.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
export async function metricValue(app: FastifyInstance, name: string): Promise<number> {
  const metric = await app.serviceMetrics.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).filter((v) => !('metricName' in v) || v.metricName === name || v.metricName === `${name}_count`).reduce((sum, v) => sum + v.value, 0);
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

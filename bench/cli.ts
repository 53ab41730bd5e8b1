// The benchmarks' command line and printout: flags, the model directory, Markdown tables. No
// dependencies beyond Node and the manifest's type, so bench/gpu's scripts run it on a machine
// without the service's node_modules.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Manifest } from '../src/model/manifest.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BUNDLED_MODEL = `${ROOT}models/emoji-zoo-64`;
export const BENCH_MODEL = `${ROOT}data/bench-model`;
/** The repo's Python (training/requirements.txt in .venv/, made by `npm run python:env`): the one
 * interpreter every benchmark runs its Python helpers with. */
export const PYTHON = `${ROOT}.venv/bin/python`;

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
        `  npm run python:env && cd training && ${PYTHON} ../bench/make_bench_model.py --out ../data/bench-model`,
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

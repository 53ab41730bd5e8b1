// Images through the service (POST /generate, JSON with codes) and their scores by the training
// pipeline's classifiers (`.venv/bin/python -m purrception.evaluate --images`): the part the quality
// benchmarks (quality-cost.ts, objectives.ts) share.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import type { FastifyInstance } from 'fastify';
import type { GenerateJson } from '../src/http/schemas.js';
import { PYTHON, ROOT } from './cli.js';

export interface Image {
  label: string;
  seed: number;
  codes: number[];
  rgb: Buffer;
  png: Buffer;
}

export interface Run {
  images: Image[];
  seconds: number;
}

/**
 * perClass images of every label with the request fields `fields`, all submitted at once (the engine
 * batches them) and timed together; class i's images have seeds firstSeed + 10,000 i + 0..perClass-1.
 */
export async function generateRun(app: FastifyInstance, labels: string[], fields: Record<string, unknown>, perClass: number, firstSeed: number): Promise<Run> {
  const started = performance.now();
  const perLabel = await Promise.all(
    labels.map(async (label, classId) => {
      const out: Image[] = [];
      for (let done = 0; done < perClass; done += 16) {
        const n = Math.min(16, perClass - done);
        const payload = { ...fields, class: label, seed: firstSeed + classId * 10_000 + done, n, codes: true };
        const res = await app.inject({ method: 'POST', url: '/generate', headers: { accept: 'application/json' }, payload });
        if (res.statusCode !== 200) throw new Error(`${JSON.stringify(fields)} ${label}: ${res.statusCode} ${res.payload}`);
        for (const image of res.json<GenerateJson>().images) {
          const png = Buffer.from(image.data, 'base64');
          out.push({ label, seed: image.seed, codes: image.codes!.flat(), png, rgb: await sharp(png).removeAlpha().raw().toBuffer() });
        }
      }
      return out;
    }),
  );
  return { images: perLabel.flat(), seconds: (performance.now() - started) / 1000 };
}

/** Fraction of latent cells whose code differs, and the pixel RMSE (0..255), against the reference. */
export function distance(run: Run, reference: Run): { codes: number; rmse: number } {
  let differ = 0;
  let cells = 0;
  let squared = 0;
  let pixels = 0;
  run.images.forEach((image, i) => {
    const ref = reference.images[i]!;
    image.codes.forEach((code, c) => (differ += code === ref.codes[c] ? 0 : 1));
    cells += image.codes.length;
    for (let p = 0; p < image.rgb.length; p++) squared += (image.rgb[p]! - ref.rgb[p]!) ** 2;
    pixels += image.rgb.length;
  });
  return { codes: differ / cells, rmse: Math.sqrt(squared / pixels) };
}

export interface Scoring {
  /** Where the PNGs (<out>/images/<name>/<label>/<seed>.png) and the evaluations go. */
  out: string;
  /** The dataset root and the classifier's parts (trained there on first use). */
  data: string;
  classifier: string;
}

/** How a run's images score: class accuracy, colour-blind class accuracy (shape alone) and FD-clf. */
export interface Score {
  acc: number;
  accCb: number;
  fdClf: number;
}

/** A run's images scored by the training pipeline's classifiers (evaluate --images). */
export function scoreRun(name: string, run: Run, scoring: Scoring): Score {
  const safe = name.replace(/[^\w.-]+/g, '_');
  const dir = join(resolve(scoring.out), 'images', safe);
  for (const image of run.images) {
    mkdirSync(join(dir, image.label), { recursive: true });
    writeFileSync(join(dir, image.label, `${image.seed}.png`), image.png);
  }
  const out = join(resolve(scoring.out), 'eval', safe);
  const result = spawnSync(
    PYTHON,
    ['-m', 'purrception.evaluate', '--data', resolve(scoring.data), '--classifier', resolve(scoring.classifier), '--images', dir, '--out', out],
    { cwd: join(ROOT, 'training'), stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (result.status !== 0) throw new Error(`evaluation of ${dir} failed with exit code ${result.status}`);
  const { folder } = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { folder: { acc: number; acc_cb: number; fd_clf: number } };
  return { acc: folder.acc, accCb: folder.acc_cb, fdClf: folder.fd_clf };
}

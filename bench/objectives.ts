// Models of different objectives (purrception, cfm, cfm-endpoint, dfm) side by side: one service
// serves them all (MODEL_DIR as a list), every model gets the same requests with the same seeds, and
// for each model and step count the training pipeline's classifier scores the images (class
// accuracy, colour-blind accuracy, FD-clf), with images/s; one row per model of one image per class goes to a PNG.
//
//   npm run bench:objectives -- --models models/emoji-zoo-64,runs/cmp/purrception,runs/cmp/cfm,runs/cmp/dfm \
//     --steps 8,25 --per-class 32 --classifier CLF --out runs/objectives
//
// The continuous models run Euler on the uniform grid (the reference code's sampler), with the model's
// tau where it has one; dfm models run their own sampler. cfg is the same for all (--cfg).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import sharp from 'sharp';
import { objectiveOf } from '../src/model/manifest.js';
import { ROOT, flags, num, readManifest, table } from './cli.js';
import { benchConfig, startService } from './service.js';
import { generateRun, scoreRun, type Run, type Scoring } from './scoring.js';

const f = flags({
  models: '',
  steps: '8,25',
  'per-class': '32',
  cfg: '3',
  seed: '7000',
  out: `${ROOT}runs/objectives`,
  data: `${ROOT}data/emoji-zoo`,
  classifier: `${ROOT}runs/quality-cost/clf`,
});

const dirs = f['models']!.split(',').filter(Boolean);
if (dirs.length === 0) throw new Error('--models: a comma-separated list of model directories');
const models = dirs.map((dir) => ({ dir, manifest: readManifest(dir) }));
const labels = models[0]!.manifest.labels;
for (const { dir, manifest } of models) {
  if (manifest.labels.join() !== labels.join()) throw new Error(`${dir}: its labels differ from ${dirs[0]}'s; compare models of one dataset`);
}
const scoring: Scoring = { out: f['out']!, data: f['data']!, classifier: f['classifier']! };

interface Point {
  model: string;
  objective: string;
  steps: number;
  imagesPerSecond: number;
  acc: number;
  accCb: number;
  fdClf: number;
}

const service = await startService(benchConfig(dirs.join(','), { maxBatch: 64, queueLimit: 100_000 }));
const points: Point[] = [];
const rows: Buffer[][] = []; // per model, one PNG per class at the last step count
try {
  for (const { manifest } of models) {
    const objective = objectiveOf(manifest);
    let last: Run | undefined;
    for (const steps of f['steps']!.split(',').map(Number)) {
      const fields = { model: manifest.name, steps, cfg: num(f, 'cfg'), ...(objective === 'dfm' ? {} : { sampler: 'euler', grid: 'uniform' }) };
      last = await generateRun(service.app, labels, fields, num(f, 'per-class'), num(f, 'seed'));
      const score = scoreRun(`${manifest.name}-${steps}`, last, scoring);
      points.push({ model: manifest.name, objective, steps, imagesPerSecond: last.images.length / last.seconds, ...score });
    }
    rows.push(labels.map((label) => last!.images.find((image) => image.label === label)!.png));
  }
} finally {
  await service.close();
}

table(
  `objectives side by side (${f['per-class']} images per class, the same seeds; cfg ${f['cfg']})`,
  ['model', 'objective', 'steps', 'images/s', 'class acc', 'colour-blind acc', 'FD-clf'],
  points.map((p) => [p.model, p.objective, p.steps, p.imagesPerSecond.toFixed(2), p.acc.toFixed(3), p.accCb.toFixed(3), p.fdClf.toFixed(2)]),
);
const { height, width } = models[0]!.manifest.image;
const out = resolve(f['out']!);
mkdirSync(out, { recursive: true });
const grid = await sharp({ create: { width: width * labels.length, height: height * rows.length, channels: 3, background: '#ffffff' } })
  .composite(rows.flatMap((row, r) => row.map((input, c) => ({ input, left: c * width, top: r * height }))))
  .png()
  .toBuffer();
writeFileSync(join(out, 'objectives.png'), grid);
writeFileSync(join(out, 'objectives.json'), `${JSON.stringify({ rows: models.map((m) => m.manifest.name), labels, points }, null, 1)}\n`);
console.log(`wrote ${join(out, 'objectives.png')} (rows: ${models.map((m) => m.manifest.name).join(', ')}; columns: the classes, seed ${f['seed']} + 10,000 class id)`);

// A time grid tuned for one model and one step count (in the spirit of "Align Your Steps"): the knots
// k_1..k_{K-1} of a K-step grid (docs/samplers.md) are moved one at a time, by coordinate descent, to
// bring the final codes and pixels of `--calibrate-per-class` images per class closer to a
// `--reference`-step Euler solution. The tuned grid is then measured on other seeds (`--per-class`
// images per class, quality-cost.ts's seeds) against Euler and the starting grid at several evaluation
// counts (other step counts interpolate the knots), side by side in one run, and written to
// <out>/grid.json for a manifest's defaults.grid (export.py --grid).
//
//   npm run bench:tune-grid -- --model models/emoji-zoo-64 --steps 8 --evals 6,7,8,12 --out runs/tune-grid
//
// The objective is codes differing / start's + pixel RMSE / start's on the calibration images only.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { GRIDS, SAMPLERS, timeAt, type Grid, type GridName, type SamplerName } from '../src/engine/sampler.js';
import { ROOT, describe, flags, modelDir, num, readManifest, table } from './cli.js';
import { benchConfig, startService } from './service.js';
import { distance, generateRun, type Run } from './scoring.js';

const f = flags({
  steps: '8',
  sampler: 'logsnr-multistep',
  start: 'early',
  evals: '6,7,8,12',
  reference: '1000',
  'calibrate-per-class': '1',
  'calibrate-seed': '7000',
  'per-class': '2',
  seed: '5000',
  rounds: '4',
  threads: '',
  out: `${ROOT}runs/tune-grid`,
});

const sampler = f['sampler'] as SamplerName;
const start = f['start'] as GridName;
if (!SAMPLERS.includes(sampler) || !GRIDS.includes(start)) throw new Error(`--sampler ${SAMPLERS.join('|')}, --start ${GRIDS.join('|')}`);
const K = num(f, 'steps');
const dir = modelDir(f);
const manifest = readManifest(dir);

/** Four decimals: the grid written to a manifest is the grid measured. */
const rounded = (knots: number[]): number[] => knots.map((k) => Math.round(k * 1e4) / 1e4);

interface Images {
  perClass: number;
  seed: number;
  reference: Run;
}

function run(app: FastifyInstance, images: Images, config: { sampler: SamplerName; grid: Grid }, steps: number): Promise<Run> {
  return generateRun(app, manifest.labels, { steps, ...config }, images.perClass, images.seed);
}

async function imagesOf(app: FastifyInstance, perClass: number, seed: number): Promise<Images> {
  const reference = await generateRun(app, manifest.labels, { steps: num(f, 'reference'), sampler: 'euler', grid: 'uniform' }, perClass, seed);
  return { perClass, seed, reference };
}

/** Coordinate descent on each interior knot's place between its neighbours, with shrinking moves. */
async function tune(app: FastifyInstance, calibration: Images): Promise<number[]> {
  let knots = rounded(Array.from({ length: K + 1 }, (_, s) => timeAt(s, K, 0, start)));
  const first = distance(await run(app, calibration, { sampler, grid: knots }, K), calibration.reference);
  const objective = async (grid: number[]): Promise<number> => {
    const d = distance(await run(app, calibration, { sampler, grid }, K), calibration.reference);
    return d.codes / first.codes + d.rmse / first.rmse;
  };
  let best = 2;
  for (let round = 0; round < num(f, 'rounds'); round++) {
    const move = 0.2 / 2 ** round;
    for (let i = 1; i < K; i++) {
      const [low, high] = [knots[i - 1]!, knots[i + 1]!];
      const place = (knots[i]! - low) / (high - low);
      for (const candidate of [place - move, place + move].filter((p) => p > 0.02 && p < 0.98)) {
        const grid = rounded(knots.map((k, j) => (j === i ? low + candidate * (high - low) : k)));
        if (grid[i]! <= low || grid[i]! >= high) continue;
        const value = await objective(grid);
        if (value < best) [best, knots] = [value, grid];
      }
    }
    console.log(`round ${round + 1}: objective ${best.toFixed(4)} (start 2), knots ${knots.join(', ')}`);
  }
  return knots;
}

describe(dir, manifest, `${sampler}, ${K} steps, from the ${start} grid`);
const service = await startService(benchConfig(dir, { maxBatch: 64, queueLimit: 100_000, ...(f['threads'] ? { threads: num(f, 'threads') } : {}) }));
const rows: (string | number)[][] = [];
let knots: number[];
try {
  knots = await tune(service.app, await imagesOf(service.app, num(f, 'calibrate-per-class'), num(f, 'calibrate-seed')));
  const heldOut = await imagesOf(service.app, num(f, 'per-class'), num(f, 'seed'));
  for (const evaluations of f['evals']!.split(',').map(Number)) {
    const configs: [string, SamplerName, Grid][] = [
      ['euler', 'euler', 'uniform'],
      [`${sampler}/${start}`, sampler, start],
      [`${sampler}/tuned`, sampler, knots],
    ];
    const measured: { codes: number; rmse: number; perSecond: number }[] = [];
    for (const [, configSampler, grid] of configs) {
      const images = await run(service.app, heldOut, { sampler: configSampler, grid }, evaluations);
      measured.push({ ...distance(images, heldOut.reference), perSecond: images.images.length / images.seconds });
    }
    const euler = measured[0]!;
    configs.forEach(([name], c) => {
      const d = measured[c]!;
      rows.push([name, evaluations, d.perSecond.toFixed(2), d.codes.toFixed(4), d.rmse.toFixed(2), `${(d.codes / euler.codes).toFixed(2)}x`, `${(d.rmse / euler.rmse).toFixed(2)}x`]);
    });
  }
} finally {
  await service.close();
}
table(
  `held-out images (${f['per-class']} per class, seeds from ${f['seed']}) against a ${f['reference']}-step Euler solution`,
  ['config', 'evaluations', 'images/s', 'codes differing', 'pixel RMSE', 'codes vs euler', 'pixels vs euler'],
  rows,
);
console.log(`\ntuned knots (${K} steps): ${JSON.stringify(knots)}`);
mkdirSync(resolve(f['out']!), { recursive: true });
writeFileSync(join(resolve(f['out']!), 'grid.json'), `${JSON.stringify({ model: manifest.name, sampler, steps: K, start, grid: knots }, null, 1)}\n`);

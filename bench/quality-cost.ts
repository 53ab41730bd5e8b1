// Quality against cost per sampler, time grid and guidance interval, through the service (POST /generate,
// JSON with codes, the same seeds for every point), side by side in one run:
//
//  1. Model-independent: for `--per-class` images per class, the distance of the final codes and pixels to
//     a `--reference`-step Euler solution (uniform grid, guidance everywhere), per configuration and
//     model-evaluation count, with the images/s of each point.
//  2. Model-dependent (`--score`): `--score-per-class` images per class for each listed point, written as
//     <out>/<point>/<label>/<seed>.png and scored by the training pipeline's classifier
//     (`.venv/bin/python -m purrception.evaluate --images`: class accuracy, colour-blind accuracy, FD-clf), with images/s, and the ratio
//     of each point's images/s to the first one's (the default). With `--repeats R` the scored points'
//     images/s are instead the median of R timings of `--timing-per-class` images per class, taken in
//     turn (point 1, 2, ..., then again), so a slow spell of the shared machine hits every point alike.
//  3. With `--baseline DIR` another model (say the previous release: `git archive REV models/NAME`) is
//     served beside it and its own defaults (no request fields) become the first scored point, scored and
//     timed in the same turns, so every ratio printed is against the baseline's default.
//
//   npm run bench:quality -- --configs euler,multistep/quadratic --evals 2,4,8,16,25 \
//     --score "euler:25,multistep/quadratic@0-0.6:8" --classifier CLF --out runs/quality-cost
//
// A configuration is sampler[/grid][@from-to][+cfgW][+tauT] (the guidance interval in t; grid `model` is
// the model's default grid, named or tuned knots; cfg and tau default to the model's); a point adds
// :evaluations, e.g. "logsnr-multistep/model@0.1-0.8+cfg3:7".
// Heun spends 2T - 1 evaluations on T steps, so its points use T = (E + 1)/2 (odd E only).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { GRIDS, SAMPLERS, evaluationsFor, type Grid, type GridName, type GuidanceInterval, type SamplerName } from '../src/engine/sampler.js';
import { ROOT, describe, flags, modelDir, num, readManifest, table } from './cli.js';
import { benchConfig, startService } from './service.js';
import { median } from './timing.js';
import { distance, generateRun, scoreRun, type Run, type Scoring } from './scoring.js';

const f = flags({
  configs: 'euler,euler/quadratic,heun,multistep,multistep/quadratic',
  evals: '2,4,8,16,25,50,100',
  reference: '1000',
  'per-class': '2',
  score: '',
  'score-per-class': '32',
  repeats: '1',
  'timing-per-class': '16',
  seed: '5000',
  threads: '',
  out: `${ROOT}runs/quality-cost`,
  data: `${ROOT}data/emoji-zoo`,
  classifier: `${ROOT}runs/quality-cost/clf`,
  baseline: '',
});

interface Setting {
  name: string;
  sampler: SamplerName;
  grid: Grid;
  guidance?: GuidanceInterval;
  cfg?: number;
  tau?: number;
}

function parseSetting(text: string): Setting {
  const match = /^([\w-]+)(?:\/(\w+))?(?:@([\d.]+)-([\d.]+))?(?:\+cfg([\d.]+))?(?:\+tau([\d.]+))?$/.exec(text);
  const sampler = match?.[1] as SamplerName | undefined;
  const gridName = match?.[2] ?? 'uniform';
  if (!match || !SAMPLERS.includes(sampler!) || !(gridName === 'model' || GRIDS.includes(gridName as GridName))) {
    throw new Error(`"${text}": a configuration is sampler[/grid][@from-to][+cfgW][+tauT], samplers ${SAMPLERS.join('|')}, grids ${GRIDS.join('|')}|model`);
  }
  const grid = gridName === 'model' ? (manifestOf.defaults.grid ?? 'uniform') : (gridName as GridName);
  const guidance = match[3] === undefined ? undefined : { from: Number(match[3]), to: Number(match[4]) };
  const weights = { ...(match[5] === undefined ? {} : { cfg: Number(match[5]) }), ...(match[6] === undefined ? {} : { tau: Number(match[6]) }) };
  return { name: text, sampler: sampler!, grid, ...(guidance ? { guidance } : {}), ...weights };
}

/** Steps for an evaluation budget; undefined where the sampler cannot spend exactly that many. */
function stepsFor(sampler: SamplerName, evaluations: number): number | undefined {
  const steps = sampler === 'heun' ? (evaluations + 1) / 2 : evaluations;
  return Number.isInteger(steps) && evaluationsFor(sampler, steps) === evaluations ? steps : undefined;
}

const dir = modelDir(f);
const manifestOf = readManifest(dir);
const labels = manifestOf.labels;

/** perClass images of every class with a setting's sampler, grid, guidance interval, cfg and tau. */
function generate(app: FastifyInstance, setting: Setting, steps: number, perClass: number): Promise<Run> {
  const { name: _name, ...fields } = setting;
  return generateRun(app, labels, { steps, ...fields }, perClass, num(f, 'seed'));
}

interface Point {
  /** The served model, where it is not --model's (the baseline). */
  model?: string;
  config: string;
  steps: number;
  evaluations: number;
  imagesPerSecond: number;
  codesDiffer?: number;
  pixelRmse?: number;
  acc?: number;
  accCb?: number;
  fdClf?: number;
}

const pointLabel = (p: Point): string => (p.model ? `${p.model}: ${p.config}` : p.config);
const pointName = (p: Point): string => `${pointLabel(p)}:${p.evaluations}`;

const scoring: Scoring = { out: f['out']!, data: f['data']!, classifier: f['classifier']! };

describe(dir, manifestOf, `${f['per-class']} images per class against a ${f['reference']}-step Euler solution`);
const serviceConfig = { maxBatch: 64, queueLimit: 100_000, ...(f['threads'] ? { threads: num(f, 'threads') } : {}) };
const baselineDir = f['baseline'] ? resolve(f['baseline']) : undefined;
const baselineManifest = baselineDir ? readManifest(baselineDir) : undefined;
if (baselineDir && baselineManifest) {
  if (baselineManifest.labels.join(',') !== labels.join(',')) {
    throw new Error(`--baseline ${baselineDir}: its labels (${baselineManifest.labels.join(',')}) are not --model's (${labels.join(',')}), so its images cannot be scored alike`);
  }
  describe(baselineDir, baselineManifest, 'the baseline: its defaults are the first scored point');
}
const service = await startService(benchConfig(dir, serviceConfig));
const baseline = baselineDir && baselineManifest ? { manifest: baselineManifest, service: await startService(benchConfig(baselineDir, serviceConfig)) } : undefined;
const points: Point[] = [];
/** How to draw each scored point's images again, for the timing turns. */
const redraw: ((perClass: number) => Promise<Run>)[] = [];
let scored: Point[] = [];
try {
  const perClass = num(f, 'per-class');
  const configs = f['configs']!.split(',').filter(Boolean).map(parseSetting);
  const reference = configs.length > 0 ? await generate(service.app, parseSetting('euler'), num(f, 'reference'), perClass) : undefined;
  for (const config of configs) {
    for (const evaluations of f['evals']!.split(',').map(Number)) {
      const steps = stepsFor(config.sampler, evaluations);
      if (steps === undefined) continue;
      const run = await generate(service.app, config, steps, perClass);
      const d = distance(run, reference!);
      points.push({ config: config.name, steps, evaluations, imagesPerSecond: run.images.length / run.seconds, codesDiffer: d.codes, pixelRmse: d.rmse });
    }
  }
  if (baseline) {
    const { defaults, name } = baseline.manifest;
    const draw = (perClass: number): Promise<Run> => generateRun(baseline.service.app, labels, {}, perClass, num(f, 'seed'));
    const run = await draw(num(f, 'score-per-class'));
    const steps = defaults.steps;
    points.push({
      model: `baseline ${name}`, config: 'defaults', steps, evaluations: evaluationsFor(defaults.sampler ?? 'euler', steps),
      imagesPerSecond: run.images.length / run.seconds, ...scoreRun('baseline-defaults', run, scoring),
    });
    redraw.push(draw);
  }
  for (const spec of f['score']!.split(',').filter(Boolean)) {
    const [config, evals] = spec.split(':');
    const setting = parseSetting(config!);
    const steps = stepsFor(setting.sampler, Number(evals));
    if (steps === undefined) throw new Error(`--score ${spec}: ${setting.sampler} cannot spend ${evals} evaluations`);
    const draw = (perClass: number): Promise<Run> => generate(service.app, setting, steps, perClass);
    const run = await draw(num(f, 'score-per-class'));
    points.push({ config: setting.name, steps, evaluations: Number(evals), imagesPerSecond: run.images.length / run.seconds, ...scoreRun(spec, run, scoring) });
    redraw.push(draw);
  }
  scored = points.filter((p) => p.acc !== undefined);
  const timings = scored.map((): number[] => []);
  const rounds = num(f, 'repeats') > 1 ? num(f, 'repeats') : 0; // 1: the scored run's own timing
  for (let round = 0; round < rounds; round++) {
    for (const [i, draw] of redraw.entries()) {
      const run = await draw(num(f, 'timing-per-class'));
      timings[i]!.push(run.images.length / run.seconds);
    }
  }
  timings.forEach((rates, i) => {
    if (rates.length === 0) return;
    scored[i]!.imagesPerSecond = median(rates);
    console.log(`${pointName(scored[i]!)} images/s over ${rates.length} timings: ${rates.map((r) => r.toFixed(2)).join(', ')}`);
  });
} finally {
  await service.close();
  await baseline?.service.close();
}

const fixed = (v: number | undefined, digits: number): string => (v === undefined ? '' : v.toFixed(digits));
table(
  'quality against cost (codes and pixels against the reference; class accuracy, colour-blind accuracy and FD-clf where scored)',
  ['config', 'steps', 'evaluations', 'images/s', 'codes differing', 'pixel RMSE', 'class acc', 'colour-blind acc', 'FD-clf'],
  points.map((p) => [pointLabel(p), p.steps, p.evaluations, fixed(p.imagesPerSecond, 2), fixed(p.codesDiffer, 4), fixed(p.pixelRmse, 2), fixed(p.acc, 3), fixed(p.accCb, 3), fixed(p.fdClf, 2)]),
);
const at = (config: string, evaluations: number): Point | undefined => points.find((p) => p.config === config && p.evaluations === evaluations && p.codesDiffer !== undefined);
const euler8 = at('euler', 8);
for (const p of points.filter((q) => q.evaluations === 8 && q.codesDiffer !== undefined && q.config !== 'euler')) {
  if (euler8) console.log(`at 8 evaluations, ${p.config} / euler: codes differing ${fixed(p.codesDiffer! / euler8.codesDiffer!, 2)}x, pixel RMSE ${fixed(p.pixelRmse! / euler8.pixelRmse!, 2)}x`);
}
for (const p of scored.slice(1)) {
  console.log(`${pointName(p)} vs ${pointName(scored[0]!)}: ${fixed(p.imagesPerSecond / scored[0]!.imagesPerSecond, 2)}x images/s, ` +
    `class acc ${fixed(p.acc, 3)} vs ${fixed(scored[0]!.acc, 3)}, colour-blind acc ${fixed(p.accCb, 3)} vs ${fixed(scored[0]!.accCb, 3)}, ` +
    `FD-clf ${fixed(p.fdClf, 2)} vs ${fixed(scored[0]!.fdClf, 2)}`);
}
mkdirSync(resolve(f['out']!), { recursive: true });
writeFileSync(join(resolve(f['out']!), 'quality-cost.json'), `${JSON.stringify({ model: manifestOf.name, reference: num(f, 'reference'), points }, null, 1)}\n`);

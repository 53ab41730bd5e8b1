// Quality against steps for the Euler and Heun samplers, measured through the service: generates
// images per (sampler, steps) via POST /generate (JSON, n per class), writes them as
// <out>/<sampler>-T<steps>/<label>/<seed>.png, scores every folder with the training pipeline's
// evaluation (`python3 -m purrception.evaluate --images`), and prints a markdown table (docs/samplers.md).
//
//   npm run compare-samplers -- --steps 4,8,16,32 --per-class 16 --out runs/compare-samplers
//
// The same seeds are used for every point, so rows differ by the sampler and the step count only.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/app.js';
import { DEFAULTS } from '../src/config.js';
import { evaluationsFor, type SamplerName } from '../src/engine/sampler.js';
import type { GenerateJson } from '../src/http/schemas.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const { values: args } = parseArgs({
  options: {
    'model-dir': { type: 'string', default: join(ROOT, 'models/emoji-zoo-64') },
    steps: { type: 'string', default: '4,8,16,32' },
    samplers: { type: 'string', default: 'euler,heun' },
    'per-class': { type: 'string', default: '16' },
    seed: { type: 'string', default: '1000' },
    out: { type: 'string', default: join(ROOT, 'runs/compare-samplers') },
    data: { type: 'string', default: join(ROOT, 'data/emoji-zoo') },
    classifier: { type: 'string', default: join(ROOT, 'runs/compare-samplers/clf') },
    'clf-max-seconds': { type: 'string', default: '600' },
    'no-eval': { type: 'boolean', default: false },
  },
});

interface Row {
  sampler: SamplerName;
  steps: number;
  evaluations: number;
  seconds: number;
  meanEntropy: number;
  acc?: number;
  fd?: number;
}

async function generateAll(): Promise<Row[]> {
  const app = await buildApp({ config: { ...DEFAULTS, modelDir: resolve(args['model-dir']), cacheBytes: 0, queueLimit: 1_000_000, logLevel: 'warn' } });
  await app.engineReady;
  const { labels } = (await app.inject('/models')).json<{ labels: string[] }>();
  const perClass = Number(args['per-class']);
  const rows: Row[] = [];
  try {
    for (const steps of args.steps.split(',').map(Number)) {
      for (const sampler of args.samplers.split(',') as SamplerName[]) {
        const dir = join(args.out, `${sampler}-T${steps}`);
        const started = performance.now();
        let entropy = 0;
        // All classes at once: the engine batches them (continuous batching, MAX_BATCH samples a run).
        await Promise.all(
          labels.map(async (label, classId) => {
            mkdirSync(join(dir, label), { recursive: true });
            for (let done = 0; done < perClass; done += 16) {
              const n = Math.min(16, perClass - done);
              const seed = Number(args.seed) + classId * 10_000 + done;
              const res = await app.inject({ method: 'POST', url: '/generate', headers: { accept: 'application/json' }, payload: { class: label, steps, sampler, seed, n } });
              if (res.statusCode !== 200) throw new Error(`${label} ${sampler} T=${steps}: ${res.statusCode} ${res.payload}`);
              for (const image of res.json<GenerateJson>().images) {
                writeFileSync(join(dir, label, `${image.seed}.png`), Buffer.from(image.data, 'base64'));
                entropy += image.meanEntropy;
              }
            }
          }),
        );
        const seconds = (performance.now() - started) / 1000;
        rows.push({ sampler, steps, evaluations: evaluationsFor(sampler, steps), seconds, meanEntropy: entropy / (labels.length * perClass) });
        console.error(`[compare] ${sampler} T=${steps}: ${labels.length * perClass} images in ${seconds.toFixed(1)} s`);
      }
    }
  } finally {
    await app.close();
  }
  return rows;
}

function evaluate(row: Row): void {
  const images = join(args.out, `${row.sampler}-T${row.steps}`);
  const out = join(args.out, 'eval', `${row.sampler}-T${row.steps}`);
  const result = spawnSync(
    '/usr/bin/python3',
    ['-m', 'purrception.evaluate', '--data', resolve(args.data), '--classifier', resolve(args.classifier), '--clf-max-seconds', args['clf-max-seconds'], '--images', resolve(images), '--out', resolve(out)],
    { cwd: join(ROOT, 'training'), stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (result.status !== 0) throw new Error(`evaluation of ${images} failed with exit code ${result.status}`);
  const { folder } = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { folder: { acc: number; fd_clf: number } };
  row.acc = folder.acc;
  row.fd = folder.fd_clf;
}

function table(rows: Row[]): string {
  const lines = [
    '| sampler | steps T | model evaluations | class accuracy | FD-clf | mean entropy (nats) | generation s |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const metric = (v: number | undefined, digits: number) => (v === undefined ? 'pending' : v.toFixed(digits));
    lines.push(`| ${r.sampler} | ${r.steps} | ${r.evaluations} | ${metric(r.acc, 3)} | ${metric(r.fd, 2)} | ${r.meanEntropy.toFixed(3)} | ${r.seconds.toFixed(1)} |`);
  }
  return lines.join('\n');
}

const rows = await generateAll();
if (!args['no-eval']) for (const row of rows) evaluate(row);
const markdown = table(rows);
writeFileSync(join(args.out, 'table.md'), `${markdown}\n`);
console.log(markdown);

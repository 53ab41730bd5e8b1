// The service's engine (worker thread, continuous-batching scheduler, step and decode sessions) on one
// model and execution provider, at several concurrency levels: `c` requests in flight make batches of
// c. No HTTP and no PNG: this is the part that runs on the GPU. Prints one JSON line per level, and
// one for a failure (the provider did not load, or a level ran out of time).
//
//   node dist/bench/gpu/engine.js --model DIR --providers webgpu --levels 1,8,32 --steps 10
//        [--min-images 8] [--threads N]
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { EngineClient } from '../../src/engine/client.js';
import { parseProviders } from '../../src/config.js';
import { defaultTau, graphPathFor, loadModelSpec } from '../../src/model/manifest.js';
import { closedLoopSeconds } from '../timing.js';

const { values: f } = parseArgs({
  options: {
    model: { type: 'string' },
    providers: { type: 'string', default: process.env['EXECUTION_PROVIDERS'] ?? 'webgpu' },
    levels: { type: 'string', default: '1,8,32' },
    steps: { type: 'string', default: '10' },
    'min-images': { type: 'string', default: '8' },
    threads: { type: 'string', default: String(availableParallelism()) },
    label: { type: 'string', default: '' },
  },
});
if (!f.model) throw new Error('--model DIR is required');
const spec = loadModelSpec(f.model);
const providers = parseProviders(f.providers);
const levels = f.levels.split(',').map(Number);
const steps = Number(f.steps);
const { cfg } = spec.manifest.defaults;
const tau = defaultTau(spec.manifest);
const base = { side: 'engine', shape: f.label.split(':')[0], model: f.model, label: f.label, steps };
const emit = (record: Record<string, unknown>): void => console.log(JSON.stringify({ ...base, ...record }));

const started = performance.now();
let engine: EngineClient;
try {
  engine = await EngineClient.start({
    modelDir: f.model, executionProviders: providers, maxBatch: Math.max(...levels), threads: Number(f.threads), queueLimit: 1024,
  });
} catch (err) {
  emit({ error: `engine did not start: ${(err as Error).message}` });
  process.exit(0);
}
const provider = engine.providers!.step;
const stepFile = graphPathFor(spec, 'step', provider).split('/').pop();
emit({ event: 'ready', provider, stepFile, decodeProvider: engine.providers!.decode, startSeconds: (performance.now() - started) / 1000 });

let seed = 0;
const request = (n: number) => ({ classId: seed % spec.manifest.num_classes, tau, cfg, steps: n, seed: seed++ });
for (const level of levels) {
  // warm-up at this batch size: the runtime sizes its buffers (and WebGPU its pipelines) per shape
  await Promise.all(Array.from({ length: level }, () => engine.generate([request(2)])));
  const images = Math.max(level, Number(f['min-images']));
  const seconds = await closedLoopSeconds(level, images, () => engine.generate([request(steps)]));
  emit({ provider, stepFile, batch: level, images, seconds, images_per_s: images / seconds });
}
await engine.close();

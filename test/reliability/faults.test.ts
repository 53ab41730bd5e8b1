// Faults: broken model files fail start-up clearly (what test/model/manifest.test.ts does not cover
// yet), and a step-graph run that throws gives a 5xx to the affected requests only, without a stack
// trace, while the service keeps serving the others.
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { buildApp } from '../../src/app.js';
import { EngineClient, type Engine } from '../../src/engine/client.js';
import { GenerationFailedError } from '../../src/errors.js';
import { ROOT, TINY_DIR, copyModel, generate, readyApp, testConfig } from '../helpers.js';
import { errorProblem } from './util.js';

t.test('corrupted or truncated graphs fail start-up naming the graph', async (t) => {
  const cases: [string, (dir: string) => void, RegExp][] = [
    ['truncated decode graph', (d) => truncateSync(join(d, 'decode.onnx'), 4096), /decode graph/],
    ['step graph cut in half', (d) => truncateSync(join(d, 'step.onnx'), Math.floor(readFileSync(join(d, 'step.onnx')).length / 2)), /step graph/],
    ['empty step graph', (d) => writeFileSync(join(d, 'step.onnx'), ''), /step graph/],
    [
      'step graph with flipped bytes in its header',
      (d) => {
        const bytes = readFileSync(join(d, 'step.onnx'));
        for (let i = 0; i < 64; i++) bytes[i] = bytes[i]! ^ 0xa5;
        writeFileSync(join(d, 'step.onnx'), bytes);
      },
      /step graph|step\.onnx/,
    ],
  ];
  for (const [name, edit, message] of cases) {
    const app = await buildApp({ config: testConfig({ modelDir: copyModel(t, TINY_DIR, (d) => edit(d)), threads: 1 }), logger: false });
    await t.rejects(app.engineReady, { code: 'MODEL_INVALID', message }, name);
    t.equal((await app.inject('/ready')).statusCode, 503, `${name}: not ready`);
    const res = await generate(app, { class: 0, steps: 1 });
    t.equal(res.statusCode, 503, `${name}: /generate answers 503`);
    t.equal(errorProblem(res.statusCode, res.headers['content-type'] as string, res.payload), undefined, `${name}: error shape`);
    await app.close();
  }
});

t.test('a manifest that disagrees with the graphs on latent height or codes fails start-up', async (t) => {
  const cases: [string, (m: Record<string, unknown>) => void, RegExp][] = [
    ['latent height', (m) => (m.latent = { channels: 4, height: 16, width: 8 }), /step\.onnx: input "z" has shape \[.*\], the manifest implies \[B, 4, 16, 8\]/],
    ['image width', (m) => (m.image = { height: 32, width: 64 }), /decode\.onnx: output "image"/],
  ];
  for (const [name, edit, message] of cases) {
    const app = await buildApp({ config: testConfig({ modelDir: copyModel(t, TINY_DIR, (_d, m) => edit(m)), threads: 1 }), logger: false });
    await t.rejects(app.engineReady, { message }, name);
    await app.close();
  }
});

// The oracle-fault model's step graph throws for cfg >= 16 (test/fixtures/make_oracle.py), at run
// time and for the rows of that request only; warm-up (cfg 1) passes, so the model starts.
const FAULT_DIR = `${ROOT}test/fixtures/oracle-fault`;
const POISON = { cfg: 18 };

// The tiny graph embeds 4 classes (+ the null class, id 4); this manifest claims 6.
function sixClassModel(t: Test): string {
  return copyModel(t, TINY_DIR, (_d, m) => {
    m.num_classes = 6;
    m.null_class = 6;
    m.labels = ['cat', 'dog', 'fox', 'owl', 'elk', 'yak'];
  });
}

t.test('a step run that throws: 500 GENERATION_FAILED without a stack for that request, others served', async (t) => {
  const app = await readyApp({ modelDir: FAULT_DIR, cacheBytes: 0 });
  t.teardown(() => app.close());
  const bad = await generate(app, { class: 'blue', steps: 2, seed: 1, ...POISON });
  t.equal(bad.statusCode, 500);
  t.equal(bad.json().code, 'GENERATION_FAILED');
  t.equal(errorProblem(bad.statusCode, bad.headers['content-type'] as string, bad.payload.replace(/^/, '')), 'status 500', 'a 5xx, otherwise well-formed');
  t.notMatch(bad.payload, /Gather|onnx|at .*\.js|\/src\//, 'no internals or stack in the body');
  const good = await generate(app, { class: 'red', steps: 2, seed: 1 });
  t.equal(good.statusCode, 200, 'the next request is served');
  t.equal((await app.inject('/ready')).statusCode, 200, 'still ready');
});

t.test('a step run that throws fails only the affected requests of a shared batch', async (t) => {
  // Twelve good requests and one poisoned request in flight together: they share step-graph runs.
  const app = await readyApp({ modelDir: FAULT_DIR, cacheBytes: 0, maxBatch: 16 });
  t.teardown(() => app.close());
  const alone = await generate(app, { class: 2, steps: 6, seed: 5 }); // the same request as good[5]
  const good = Array.from({ length: 12 }, (_, i) => generate(app, { class: i % 3, steps: 6, seed: i }));
  const bad = generate(app, { class: 2, steps: 6, seed: 99, ...POISON });
  const statuses = (await Promise.all(good)).map((r) => r.statusCode);
  t.equal((await bad).statusCode, 500, 'the poisoned request fails');
  t.same(statuses, statuses.map(() => 200), `its batch-mates are served (got ${statuses.join(',')})`);
  t.same((await good[5]!).rawPayload, alone.rawPayload, 'and their bytes are those of a run alone');
});

t.test('an engine that rejects for one class: 500 for that class only, no stack, no internal message', async (t) => {
  let inner: Engine | undefined;
  const app = await readyApp(
    { modelDir: TINY_DIR, cacheBytes: 0 },
    {
      startEngine: async (_model, observer) => {
        inner = await EngineClient.start({ modelDir: TINY_DIR, executionProviders: ['cpu'], maxBatch: 8, threads: 1, queueLimit: 16, observer });
        const engine = inner;
        return {
          get providers() {
            return engine.providers;
          },
          get pending() {
            return engine.pending;
          },
          generate: (requests, signal) => {
            if (requests[0]!.classId !== 2) return engine.generate(requests, signal);
            const error = new GenerationFailedError('step graph run failed: secret /opt/models/step.onnx node 42');
            return Promise.reject(error);
          },
          encode: (request, signal) => engine.encode(request, signal),
          close: () => engine.close(),
        };
      },
    },
  );
  t.teardown(() => app.close());
  const responses = await Promise.all([0, 1, 2, 3, 2, 0].map((c, i) => generate(app, { class: c, steps: 2, seed: i })));
  t.same(responses.map((r) => r.statusCode), [200, 200, 500, 200, 500, 200]);
  for (const r of responses.filter((x) => x.statusCode === 500)) {
    t.match(r.json(), { statusCode: 500, code: 'GENERATION_FAILED', error: 'Internal Server Error' });
    t.notMatch(r.payload, /secret|step\.onnx|\n\s+at /, 'nothing internal leaks');
  }
  t.equal((await app.inject('/ready')).statusCode, 200);
});

t.test('a manifest claiming more classes than the step graph embeds fails start-up, not the first request', async (t) => {
  // The warm-up runs the first and the last class, so the missing class 5 fails start-up.
  const app = await buildApp({ config: testConfig({ modelDir: sixClassModel(t), threads: 1 }), logger: false });
  t.teardown(() => app.close());
  await t.rejects(app.engineReady, { message: /step/ }, 'start-up rejects the model');
});

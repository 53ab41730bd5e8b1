// A broken model directory fails start-up with a message naming the file and the problem.
import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { loadModelSpec } from '../../src/model/manifest.js';
import { ORACLE_DIR, TINY_DIR, copyModel, testConfig } from '../helpers.js';

t.test('manifest problems are named with file and field', async (t) => {
  const cases: [string, (dir: string, m: Record<string, unknown>) => void, RegExp][] = [
    ['wrong format', (_d, m) => (m.format = 'other.v9'), /field "format"/],
    ['missing latent', (_d, m) => delete m.latent, /field "latent"/],
    ['non-integer channels', (_d, m) => (m.latent = { channels: 2.5, height: 4, width: 4 }), /field "latent\.channels"/],
    ['label count', (_d, m) => (m.labels = ['red', 'green']), /"labels" has 2 names but num_classes is 3/],
    ['duplicate labels', (_d, m) => (m.labels = ['red', 'red', 'blue']), /duplicate/],
    ['label not URL-safe', (_d, m) => (m.labels = ['red', 'Green Tea', 'blue']), /field "labels\.1"/],
    ['null class', (_d, m) => (m.null_class = 0), /"null_class" must equal num_classes \(3\)/],
    ['default tau out of range', (_d, m) => (m.defaults = { steps: 4, tau: 0, cfg: 1 }), /field "defaults\.tau"/],
    ['missing graph file', (d) => rmSync(join(d, 'step.onnx')), /"graphs\.step" names .*step\.onnx, which does not exist/],
    ['missing encode graph file', (d) => rmSync(join(d, 'encode.onnx')), /"graphs\.encode" names .*encode\.onnx, which does not exist/],
    [
      'encode variant without an encode graph',
      (_d, m) => {
        m.graphs = { step: 'step.onnx', decode: 'decode.onnx' };
        m.variants = { encode: { cuda: 'encode.onnx' } };
      },
      /field "variants\.encode" names files of an encode graph, but "graphs\.encode" is absent/,
    ],
  ];
  for (const [name, edit, message] of cases) {
    const dir = copyModel(t, ORACLE_DIR, edit);
    t.throws(() => loadModelSpec(dir), { code: 'MODEL_INVALID', message }, name);
    await t.rejects(buildApp({ config: testConfig({ modelDir: dir }), logger: false }), { message: /manifest\.json|step\.onnx/ }, `${name}: buildApp rejects`);
  }
});

t.test('a missing directory or invalid JSON is reported as such', async (t) => {
  t.throws(() => loadModelSpec('/nonexistent/model'), { message: /manifest\.json: not found/ });
  const dir = copyModel(t, ORACLE_DIR, () => undefined);
  writeFileSync(join(dir, 'manifest.json'), '{ "format": ');
  t.throws(() => loadModelSpec(dir), { message: /manifest\.json: not valid JSON/ });
});

t.test('a manifest that disagrees with the graphs fails when the engine starts', async (t) => {
  const cases: [string, (dir: string, m: Record<string, unknown>) => void, RegExp][] = [
    ['latent channels', (_d, m) => (m.latent = { channels: 3, height: 4, width: 4 }), /step\.onnx: input "z" has shape \[B, 2, 4, 4\], the manifest implies \[B, 3, 4, 4\]/],
    ['image size', (_d, m) => (m.image = { height: 16, width: 16 }), /decode\.onnx: output "image" has shape \[B, 3, 8, 8\], the manifest implies \[B, 3, 16, 16\]/],
    ['graphs swapped', (_d, m) => (m.graphs = { step: 'decode.onnx', decode: 'step.onnx' }), /missing input "t"/],
    ['encode graph that is not one', (_d, m) => (m.graphs = { step: 'step.onnx', decode: 'decode.onnx', encode: 'decode.onnx' }), /decode\.onnx: missing input "image"/],
    ['encode graph of another image size', (d) => writeFileSync(join(d, 'encode.onnx'), readFileSync(join(TINY_DIR, 'encode.onnx'))), /encode\.onnx: input "image" has shape \[batch, 3, 32, 32\], the manifest implies \[B, 3, 8, 8\]/],
    ['truncated graph', (d) => truncateSync(join(d, 'step.onnx'), 100), /step graph/],
    ['garbage graph', (d) => writeFileSync(join(d, 'decode.onnx'), 'not onnx at all'), /decode graph/],
  ];
  for (const [name, edit, message] of cases) {
    const app = await buildApp({ config: testConfig({ modelDir: copyModel(t, ORACLE_DIR, edit) }), logger: false });
    await t.rejects(app.engineReady, { message }, name);
    t.match((await app.inject('/ready')).json(), { status: 'failed', code: 'ENGINE_FAILED' }, `${name}: not ready`);
    await app.close();
  }
});

t.test('execution providers: the first that loads is used; a missing one fails unless a fallback is configured', async (t) => {
  // No CUDA libraries and no GPU adapter exist on CI, so cuda and webgpu fail to load here.
  const fallback = await buildApp({ config: testConfig({ executionProviders: ['cuda', 'webgpu', 'cpu'] }), logger: false });
  t.teardown(() => fallback.close());
  await fallback.engineReady;
  t.match((await fallback.inject('/models')).json().models[0], { providers: { step: 'cpu', decode: 'cpu' } });
  t.match((await fallback.inject('/metrics')).payload, /purrception_execution_provider\{model="oracle",graph="step",provider="cpu"\} 1/);
  for (const provider of ['cuda', 'webgpu'] as const) {
    const app = await buildApp({ config: testConfig({ executionProviders: [provider] }), logger: false });
    await t.rejects(app.engineReady, { code: 'PROVIDER_UNAVAILABLE', message: new RegExp(`no execution provider could load the step graph \\(tried ${provider}\\): ${provider}: `) });
    await app.close();
  }
});

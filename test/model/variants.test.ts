// Per-provider graph variants (manifest "variants"): validated with file and field, and each provider
// loads its own file (an fp16 step graph for cuda and webgpu, step.onnx for cpu).
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { graphPathFor, loadModelSpec } from '../../src/model/manifest.js';
import { OrtModel } from '../../src/model/sessions.js';
import type { Provider } from '../../src/config.js';
import { ORACLE_DIR, copyModel } from '../helpers.js';

/** A copy of the oracle model with `variants` set, and step.gpu.onnx / step.cpu.onnx beside step.onnx. */
function withVariants(t: Test, variants: unknown): string {
  return copyModel(t, ORACLE_DIR, (dir, manifest) => {
    copyFileSync(join(dir, 'step.onnx'), join(dir, 'step.gpu.onnx'));
    copyFileSync(join(dir, 'step.onnx'), join(dir, 'step.cpu.onnx'));
    manifest.variants = variants;
  });
}

t.test('a manifest without variants stays valid and every provider loads graphs.step', async (t) => {
  const spec = loadModelSpec(ORACLE_DIR);
  t.same(spec.variants, { step: {}, decode: {}, encode: {} });
  for (const provider of ['cpu', 'cuda', 'webgpu'] as const) t.equal(graphPathFor(spec, 'step', provider), spec.stepPath);
});

t.test('variants are validated: provider names, graph names, files', async (t) => {
  const cases: [string, unknown, RegExp][] = [
    ['unknown provider', { step: { tpu: 'step.gpu.onnx' } }, /field "variants\.step" names unsupported execution provider "tpu"\. Should be one of: cpu, cuda, webgpu/],
    ['missing file', { step: { cuda: 'step.fp16.onnx' } }, /field "variants\.step\.cuda" names .*step\.fp16\.onnx, which does not exist/],
    ['unknown graph', { render: { cuda: 'step.gpu.onnx' } }, /field "variants/],
    ['empty file name', { step: { webgpu: '' } }, /field "variants\.step\.webgpu"/],
    ['not an object', { step: 'step.gpu.onnx' }, /field "variants\.step"/],
  ];
  for (const [name, variants, message] of cases) {
    t.throws(() => loadModelSpec(withVariants(t, variants)), { code: 'MODEL_INVALID', message }, name);
  }
  const spec = loadModelSpec(withVariants(t, { step: { cuda: 'step.gpu.onnx', webgpu: 'step.gpu.onnx' } }));
  t.match(spec.variants.step, { cuda: /step\.gpu\.onnx$/, webgpu: /step\.gpu\.onnx$/ });
  t.equal(graphPathFor(spec, 'step', 'cpu'), spec.stepPath);
  t.equal(graphPathFor(spec, 'decode', 'cuda'), spec.decodePath);
});

async function load(spec: ReturnType<typeof loadModelSpec>, providers: Provider[]) {
  const seen: string[] = [];
  const model = await OrtModel.load(spec, {
    executionProviders: providers,
    threads: 1,
    onProvider: (graph, provider, _failures, file) => seen.push(`${graph}:${provider}:${file.split('/').pop()}`),
  });
  return { model, seen };
}

t.test('on CPU a manifest with GPU variants loads step.onnx, and says which file runs', async (t) => {
  const spec = loadModelSpec(withVariants(t, { step: { cuda: 'step.gpu.onnx', webgpu: 'step.gpu.onnx' } }));
  // No CUDA libraries and no GPU adapter exist on CI: cuda fails (on its variant) and cpu loads step.onnx.
  const { model, seen } = await load(spec, ['cuda', 'cpu']);
  t.teardown(() => model.release());
  t.same(model.providers, { step: 'cpu', decode: 'cpu', encode: 'cpu' });
  t.equal(model.files.step, spec.stepPath);
  t.same(seen, ['step:cpu:step.onnx', 'decode:cpu:decode.onnx', 'encode:cpu:encode.onnx']);
  const { channels, height, width } = spec.manifest.latent;
  const out = await model.step({
    size: 1, z: new Float32Array(channels * height * width), t: new Float32Array(1), y: new BigInt64Array(1),
    cfg: new Float32Array([1]), tau: new Float32Array([1]), guide: new BigInt64Array(0),
  });
  t.equal('mu' in out ? out.mu.length : 0, channels * height * width);
});

t.test('a variant declared for a provider is the file that provider loads; failures name it', async (t) => {
  const spec = loadModelSpec(withVariants(t, { step: { cpu: 'step.cpu.onnx', cuda: 'step.gpu.onnx' } }));
  const { model, seen } = await load(spec, ['cpu']);
  t.teardown(() => model.release());
  t.match(model.files, { step: /step\.cpu\.onnx$/, decode: /decode\.onnx$/, encode: /encode\.onnx$/ });
  t.same(seen, ['step:cpu:step.cpu.onnx', 'decode:cpu:decode.onnx', 'encode:cpu:encode.onnx']);
  await t.rejects(load(spec, ['cuda']), { code: 'PROVIDER_UNAVAILABLE', message: /step\.gpu\.onnx: no execution provider could load the step graph \(tried cuda\)/ });
});

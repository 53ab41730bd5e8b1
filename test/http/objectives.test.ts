// The baselines through the same contract: cfm (velocity), cfm-endpoint and dfm models served beside a
// Purrception one, checked against the project's PyTorch sampler (the fixtures' expected.json holds
// the codes it reaches from the service's z_0 of each request, for dfm from its uniforms), and
// refusing what needs a posterior (or, for dfm, a trajectory of z).
import { readFileSync } from 'node:fs';
import t from 'tap';
import { ROOT, TINY_DIR, copyModel, generate, readyApp } from '../helpers.js';

const FIXTURES = {
  cfm: `${ROOT}test/fixtures/tiny-cfm`,
  'cfm-endpoint': `${ROOT}test/fixtures/tiny-cfm-endpoint`,
  dfm: `${ROOT}test/fixtures/tiny-dfm`,
};
const REFUSED = {
  cfm: ['tau', 'uncertainty', 'uncertaintyStep', 'image', 'strength', 'mask'],
  'cfm-endpoint': ['tau', 'uncertainty', 'uncertaintyStep', 'image', 'strength', 'mask'],
  dfm: ['tau', 'uncertainty', 'uncertaintyStep', 'sampler', 'grid', 'previewEvery', 'image', 'strength', 'mask'],
};

interface Expected {
  seed: number;
  class: number;
  cfg: number;
  steps: number;
  codes: number[][];
}

t.test('cfm, cfm-endpoint and dfm models reach the PyTorch sampler\'s codes from the same seeds', async (t) => {
  const app = await readyApp({ modelDir: [TINY_DIR, ...Object.values(FIXTURES)].join(','), cacheBytes: 0 });
  t.teardown(() => app.close());
  for (const [objective, dir] of Object.entries(FIXTURES)) {
    const name = `tiny-${objective}`;
    const info = (await app.inject(`/models/${name}`)).json();
    t.same(info.refusedFields, REFUSED[objective as keyof typeof REFUSED], `${name} refuses`);
    t.match(info, { objective, imageInput: false });
    t.notOk('tau' in info.defaults, 'no default temperature');
    const expected = JSON.parse(readFileSync(`${dir}/expected.json`, 'utf8')) as Expected[];
    let same = 0;
    let cells = 0;
    for (const request of expected) {
      const { codes, ...fields } = request;
      const res = await app.inject({
        method: 'POST',
        url: '/generate',
        headers: { accept: 'application/json' },
        payload: { model: name, ...fields, ...(objective === 'dfm' ? {} : { sampler: 'euler' }), codes: true },
      });
      t.equal(res.statusCode, 200, `${name} ${JSON.stringify(fields)}`);
      t.equal(res.json().sampler, objective === 'dfm' ? 'dfm' : 'euler');
      const [image] = res.json().images;
      t.notOk('meanEntropy' in image, 'no posterior, no entropy');
      const served = (image.codes as number[][]).flat();
      codes.flat().forEach((code, i) => (same += code === served[i] ? 1 : 0));
      cells += served.length;
    }
    t.ok(same / cells >= 0.99, `${name}: ${same} of ${cells} codes equal to PyTorch's (at least 99%)`);
  }
  const purrception = (await app.inject('/models/tiny')).json();
  t.match(purrception, { objective: 'purrception', refusedFields: [] });
});

t.test('a model without a posterior refuses tau and the uncertainty maps, naming why', async (t) => {
  const app = await readyApp({ modelDir: FIXTURES.cfm });
  t.teardown(() => app.close());
  for (const [field, value] of [['tau', 0.5], ['uncertainty', true], ['uncertaintyStep', 1]] as const) {
    for (const url of ['/generate', '/generate/stream']) {
      const accept = url === '/generate' ? 'application/json' : 'text/event-stream';
      const res = await app.inject({ method: 'POST', url, headers: { accept }, payload: { class: 'cat', [field]: value } });
      t.equal(res.statusCode, 400, `${url} ${field}`);
      t.match(res.json(), {
        code: 'INVALID_OPTION',
        message: new RegExp(`^body/${field} does not apply to the model tiny-cfm: it is a cfm model, which predicts a vector, not a posterior over codes`),
      });
    }
  }
  const plain = await generate(app, { class: 'cat', seed: 1 });
  t.equal(plain.statusCode, 200, 'the rest is served');
  t.equal(plain.headers['content-type'], 'image/png');
  t.notOk('x-mean-entropy' in plain.headers, 'no X-Mean-Entropy without a posterior');
});

t.test('a dfm model: the same bytes alone or batched, its own refusals, no z-trajectory fields', async (t) => {
  const app = await readyApp({ modelDir: FIXTURES.dfm, cacheBytes: 0 });
  t.teardown(() => app.close());
  const together = await app.inject({
    method: 'POST',
    url: '/generate',
    headers: { accept: 'application/json' },
    payload: { class: 'fox', seed: 40, n: 3, cfg: 2, steps: 5, codes: true },
  });
  t.equal(together.statusCode, 200);
  for (const image of together.json().images) {
    const alone = await generate(app, { class: 'fox', seed: image.seed, cfg: 2, steps: 5 });
    t.same(alone.rawPayload, Buffer.from(image.data, 'base64'), `seed ${image.seed}: the same bytes alone as batched`);
    const codes = (image.codes as number[][]).flat();
    t.ok(codes.every((code) => code >= 0 && code < 64), 'every cell a code, no mask left');
  }
  for (const [field, value] of [['sampler', 'heun'], ['grid', 'early']] as const) {
    const res = await generate(app, { class: 'cat', [field]: value });
    t.equal(res.statusCode, 400, field);
    t.match(res.json(), { code: 'INVALID_OPTION', message: new RegExp(`^body/${field} does not apply to the model tiny-dfm: it is a dfm model, which samples codes with the DFM sampler`) });
  }
  const stream = await app.inject({ method: 'POST', url: '/generate/stream', headers: { accept: 'text/event-stream' }, payload: { class: 'cat', previewEvery: 2 } });
  t.equal(stream.statusCode, 400, 'previews refused');
});

t.test('the manifest\'s objective must match its step graph', async (t) => {
  const dfmSampler = copyModel(t, FIXTURES.dfm, (_dir, manifest) => ((manifest['defaults'] as Record<string, unknown>)['sampler'] = 'multistep'));
  await t.rejects(readyApp({ modelDir: dfmSampler }), { code: 'MODEL_INVALID', message: /field "defaults\.sampler" does not apply to a dfm model/ });
  const dfmAsCfm = copyModel(t, FIXTURES.cfm, (_dir, manifest) => (manifest['objective'] = 'dfm'));
  await t.rejects(readyApp({ modelDir: dfmAsCfm }), { message: /step\.onnx: missing input "codes"/ });
  const unknown = copyModel(t, FIXTURES.cfm, (_dir, manifest) => (manifest['objective'] = 'gan'));
  await t.rejects(readyApp({ modelDir: unknown }), { code: 'MODEL_INVALID', message: /field "objective"/ });
  // A cfm graph declared as a purrception model (objective absent): its graph has no tau input.
  const mislabelled = copyModel(t, FIXTURES.cfm, (_dir, manifest) => {
    delete manifest['objective'];
    (manifest['defaults'] as Record<string, unknown>)['tau'] = 1;
  });
  await t.rejects(readyApp({ modelDir: mislabelled }), { message: /step\.onnx: missing input "tau"/ });
  const noTau = copyModel(t, TINY_DIR, (_dir, manifest) => delete (manifest['defaults'] as Record<string, unknown>)['tau']);
  await t.rejects(readyApp({ modelDir: noTau }), { code: 'MODEL_INVALID', message: /field "defaults\.tau" is required for a purrception model/ });
});

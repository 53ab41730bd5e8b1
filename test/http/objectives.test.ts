// The baselines through the same contract: cfm (velocity) and cfm-endpoint models served beside a
// Purrception one, checked against the project's PyTorch sampler (the fixtures' expected.json holds
// the codes it reaches from the service's z_0 of each request), and refusing what needs a posterior.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { ROOT, TINY_DIR, copyModel, generate, readyApp } from '../helpers.js';

const FIXTURES = { cfm: `${ROOT}test/fixtures/tiny-cfm`, 'cfm-endpoint': `${ROOT}test/fixtures/tiny-cfm-endpoint` };

interface Expected {
  seed: number;
  class: number;
  cfg: number;
  steps: number;
  codes: number[][];
}

t.test('cfm and cfm-endpoint models reach the PyTorch sampler\'s codes from the same seeds', async (t) => {
  const app = await readyApp({ modelDir: [TINY_DIR, ...Object.values(FIXTURES)].join(','), cacheBytes: 0 });
  t.teardown(() => app.close());
  for (const [objective, dir] of Object.entries(FIXTURES)) {
    const name = `tiny-${objective}`;
    const info = (await app.inject(`/models/${name}`)).json();
    t.match(info, { objective, refusedFields: ['tau', 'uncertainty', 'uncertaintyStep', 'image', 'strength', 'mask'], imageInput: false });
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
        payload: { model: name, ...fields, sampler: 'euler', codes: true },
      });
      t.equal(res.statusCode, 200, `${name} ${JSON.stringify(fields)}`);
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

t.test('the manifest\'s objective must match its step graph; dfm is refused naming what is served', async (t) => {
  const dfm = copyModel(t, FIXTURES.cfm, (_dir, manifest) => (manifest['objective'] = 'dfm'));
  await t.rejects(readyApp({ modelDir: dfm }), { code: 'MODEL_INVALID', message: /field "objective" is dfm, which samples codes rather than following mu; this version serves purrception, cfm, cfm-endpoint/ });
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

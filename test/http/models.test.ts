// Several models in one service (MODEL_DIR as a list or a folder of model folders): requests choose a
// model by name, each model batches on its own, and every model answers as it does served alone.
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { modelDirsOf } from '../../src/model/repository.js';
import { ORACLE_DIR, TINY_DIR, copyModel, generate, metricValue, readyApp, testConfig } from '../helpers.js';

const BOTH = `${TINY_DIR},${ORACLE_DIR}`;

t.test('two models answer by name; each answers byte for byte as served alone, with its own batches', async (t) => {
  const app = await readyApp({ modelDir: BOTH, cacheBytes: 0, maxBatch: 8 });
  t.teardown(() => app.close());
  const list = (await app.inject('/models')).json();
  t.equal(list.default, 'tiny', 'the first listed is the default');
  t.same(list.models.map((m: { name: string }) => m.name), ['tiny', 'oracle']);
  t.same((await app.inject('/models/oracle')).json().labels, ['red', 'green', 'blue']);

  const tinyBodies = [
    { model: 'tiny', class: 'cat', steps: 6, seed: 1, sampler: 'euler' },
    { model: 'tiny', class: 'owl', steps: 4, seed: 2, sampler: 'euler', n: 2 },
    { class: 'dog', steps: 5, seed: 3, sampler: 'euler' }, // no model: the default
  ];
  const oracleBodies = [
    { model: 'oracle', class: 'red', steps: 3, seed: 4, sampler: 'euler' },
    { model: 'oracle', class: 'blue', cfg: 2, steps: 7, seed: 5, sampler: 'euler' },
  ];
  const answers = await Promise.all([...tinyBodies, ...oracleBodies].map((body) => generate(app, body)));
  t.same(answers.map((a) => a.statusCode), answers.map(() => 200));
  t.same(answers.map((a) => a.headers['x-model']), ['tiny', 'tiny', 'tiny', 'oracle', 'oracle']);

  // Every image of a model ran in that model's step runs: its conditional rows are its images' steps.
  const rows = async (model: string) => metricValue(app, 'purrception_step_rows_total', { model, pass: 'conditional' });
  t.equal(await rows('tiny'), 6 + 2 * 4 + 5, 'tiny ran the steps of its 4 images');
  t.equal(await rows('oracle'), 3 + 7, 'oracle ran the steps of its 2 images');
  t.equal(await metricValue(app, 'purrception_samples_total', { model: 'oracle', outcome: 'done' }), 2);

  for (const [dir, bodies, offset] of [[TINY_DIR, tinyBodies, 0], [ORACLE_DIR, oracleBodies, tinyBodies.length]] as const) {
    const alone = await readyApp({ modelDir: dir, cacheBytes: 0 });
    for (const [i, body] of bodies.entries()) {
      const { model: _model, ...plain } = body as { model?: string };
      t.same(answers[offset + i]!.rawPayload, (await generate(alone, plain)).rawPayload, `${JSON.stringify(body)}: the bytes of ${dir} alone`);
    }
    await alone.close();
  }
});

t.test('unknown models are refused naming the models served; classes are per model', async (t) => {
  const app = await readyApp({ modelDir: BOTH });
  t.teardown(() => app.close());
  const bodies = { '/generate': { model: 'nope', class: 0 }, '/generate/stream': { model: 'nope', class: 0 }, '/encode': { model: 'nope', image: 'AAAA' } };
  for (const [url, payload] of Object.entries(bodies)) {
    const answer = await app.inject({ method: 'POST', url, payload });
    t.equal(answer.statusCode, 400, url);
    t.same(answer.json().code, 'UNKNOWN_MODEL', url);
    t.equal(answer.json().message, 'body/model "nope" is not a model served here. Should be one of: tiny, oracle', url);
  }
  const missing = await app.inject('/models/nope');
  t.equal(missing.statusCode, 404);
  t.match(missing.json(), { code: 'UNKNOWN_MODEL', message: 'No model "nope" is served here. Should be one of: tiny, oracle' });
  const wrongClass = await generate(app, { model: 'oracle', class: 'cat' });
  t.equal(wrongClass.statusCode, 400);
  t.match(wrongClass.json(), { code: 'UNKNOWN_CLASS', message: /"cat" is not a label of this model. Should be one of: red, green, blue/ });
  const encoded = await app.inject({ method: 'POST', url: '/encode', payload: { model: 'oracle', image: (await generate(app, { model: 'oracle', class: 'red', seed: 1 })).rawPayload.toString('base64') } });
  t.equal(encoded.statusCode, 200);
  t.same([encoded.json().width, encoded.json().height], [8, 8], 'POST /encode ran the oracle tokenizer');
});

t.test('MODEL_DIR as a folder of model folders: every subfolder with a manifest, in name order', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'purrception-repo-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  cpSync(ORACLE_DIR, join(root, 'a-oracle'), { recursive: true });
  cpSync(TINY_DIR, join(root, 'b-tiny'), { recursive: true });
  mkdirSync(join(root, 'notes'));
  writeFileSync(join(root, 'README.md'), 'not a model');
  t.same(modelDirsOf(root), [join(root, 'a-oracle'), join(root, 'b-tiny')]);
  const app = await readyApp({ modelDir: root });
  t.teardown(() => app.close());
  t.same((await app.inject('/models')).json().default, 'oracle');

  const empty = mkdtempSync(join(tmpdir(), 'purrception-empty-'));
  t.teardown(() => rmSync(empty, { recursive: true, force: true }));
  t.throws(() => modelDirsOf(empty), { code: 'MODEL_INVALID', message: /manifest\.json: not found, and no folder in .* holds one/ });
  t.throws(() => modelDirsOf(' , '), { code: 'MODEL_INVALID', message: 'MODEL_DIR names no model directory' });
  t.same(modelDirsOf(` ${TINY_DIR} , ${ORACLE_DIR} `), [TINY_DIR, ORACLE_DIR], 'blanks around commas are ignored');
});

t.test('a symbolic link to a model folder inside a MODEL_DIR folder is served like the folder itself', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'purrception-repo-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  symlinkSync(TINY_DIR, join(root, 'linked-tiny'), 'dir');
  symlinkSync(join(root, 'nowhere'), join(root, 'dangling')); // a broken link is no model, and no crash
  t.same(modelDirsOf(root), [join(root, 'linked-tiny')]);
});

t.test('a name clash or a broken model fails start-up naming it', async (t) => {
  const twin = copyModel(t, TINY_DIR, () => undefined);
  await t.rejects(buildApp({ config: testConfig({ modelDir: `${TINY_DIR},${twin}` }), logger: false }), {
    code: 'MODEL_INVALID',
    message: `${TINY_DIR}/manifest.json and ${twin}/manifest.json both name their model "tiny": requests choose a model by name, so the names must differ`,
  });
  const broken = copyModel(t, ORACLE_DIR, (_dir, manifest) => {
    manifest['name'] = 'broken';
    manifest['codebook_size'] = 1;
  });
  await t.rejects(buildApp({ config: testConfig({ modelDir: `${TINY_DIR},${broken}` }), logger: false }), {
    code: 'MODEL_INVALID',
    message: `${broken}/manifest.json: field "codebook_size" expected integer to be greater or equal to 2`,
  });
  // A graph that does not load: the engine's error names the model and its directory.
  const unloadable = copyModel(t, ORACLE_DIR, (dir, manifest) => {
    manifest['name'] = 'unloadable';
    writeFileSync(join(dir, 'step.onnx'), 'not an onnx file');
  });
  const app = await buildApp({ config: testConfig({ modelDir: `${TINY_DIR},${unloadable}` }), logger: false });
  await t.rejects(app.engineReady, { message: new RegExp(`^model "unloadable" \\(${unloadable}\\): `) });
  t.equal((await app.inject('/ready')).statusCode, 503, 'not ready');
  await app.close();
});

t.test('start-up reports each model\'s providers and memory', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const app = await buildApp({ config: testConfig({ modelDir: BOTH }), logger: { level: 'info', stream } });
  t.teardown(() => app.close());
  await app.engineReady;
  const ready = lines.filter((line) => typeof line['rssMiB'] === 'number');
  t.same(ready.map((line) => line['model']), ['tiny', 'oracle'], 'one line per model, in order');
  t.match(ready[0], { providers: { step: 'cpu', decode: 'cpu' }, msg: /^model tiny ready \(its load added -?\d+ MiB of resident memory\)$/ });
  const metrics = (await app.inject('/metrics')).body;
  t.match(metrics, /purrception_execution_provider\{model="oracle",graph="step",provider="cpu"\} 1/);
  t.match(metrics, /purrception_queue_depth\{model="tiny"\} 0/);
});

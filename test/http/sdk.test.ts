// The generated TypeScript client (openapi/client, `npm run sdk`): no drift from openapi.json; it works
// against a running server (a PNG round-trips byte-identical to the direct HTTP call, and so does a
// variation of it sent as the image; stream events arrive typed); and it is a package: `npm pack`, installed into a temporary project, imported by
// plain Node running the README's example, and its .d.ts types check a TypeScript consumer.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import ts from 'typescript';
import { SDK_DIR, generateSdk } from '../../scripts/sdk.js';
import { createClient } from '../../openapi/client/src/client/index.js';
import { encode, generate, generateStream, getModel, getModels } from '../../openapi/client/src/index.js';
import type { EncodeJson, GenerateJson, StreamEvent } from '../../openapi/client/src/index.js';
import { TINY_DIR, filesUnder, listening, readyApp } from '../helpers.js';

const run = promisify(execFile);

t.test('the committed client (src and lib) matches what `npm run sdk` makes from openapi.json', async (t) => {
  const fresh = mkdtempSync(join(tmpdir(), 'purrception-sdk-'));
  t.teardown(() => rmSync(fresh, { recursive: true, force: true }));
  await generateSdk(fresh);
  for (const part of ['src', 'lib']) {
    const [committed, regenerated] = [filesUnder(join(SDK_DIR, part)), filesUnder(join(fresh, part))];
    t.same([...committed.keys()].sort(), [...regenerated.keys()].sort(), `${part}: the same files`);
    for (const [name, text] of regenerated) t.equal(committed.get(name), text, `${part}/${name}`);
  }
  t.ok(existsSync(join(SDK_DIR, 'lib/index.d.ts')), 'types ship with the JS');
});

t.test('the client against a running server: PNG bytes, JSON images, typed stream events, bearer keys', async (t) => {
  const key = 'sdk-test-key-0123456789';
  const app = await readyApp({ modelDir: TINY_DIR, apiKeys: [key] });
  t.teardown(() => app.close());
  const baseUrl = await listening(app);
  const client = createClient({ baseUrl, auth: key });
  const body = { class: 'dog', steps: 4, seed: 99, tau: { start: 1, end: 0.8 }, sampler: 'heun' as const };

  const direct = await fetch(`${baseUrl}/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  t.equal(direct.status, 200);
  const directBytes = Buffer.from(await direct.arrayBuffer());

  // The generator types a 200 by its JSON variant; an image answer is parsed by its content type (a Blob).
  const png = await generate({ client, body });
  t.equal(png.response.status, 200);
  t.equal(png.response.headers.get('content-type'), 'image/png');
  t.ok((png.data as unknown) instanceof Blob, 'image/png arrives as a Blob');
  t.same(Buffer.from(await (png.data as unknown as Blob).arrayBuffer()), directBytes, 'byte-identical to the direct call');

  const asJson = await generate({ client, body: { ...body, n: 2 }, headers: { accept: 'application/json' } });
  const answer = asJson.data as GenerateJson;
  t.same(answer.images.map((i) => i.seed), [99, 100]);
  t.same(Buffer.from(answer.images[0]!.data, 'base64'), directBytes);

  // Starting from an image: the variation and the encoding round-trip through the client too.
  const image = directBytes.toString('base64');
  const post = async (url: string, payload: object) =>
    fetch(`${baseUrl}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify(payload) });
  const imageBody = { ...body, image, strength: 0.5, mask: image };
  const directVariation = Buffer.from(await (await post('/generate', imageBody)).arrayBuffer());
  const variation = await generate({ client, body: imageBody });
  t.equal(variation.response.status, 200);
  t.same(Buffer.from(await (variation.data as unknown as Blob).arrayBuffer()), directVariation, 'an image variation, byte-identical to the direct call');
  t.not(directVariation.toString('base64'), directBytes.toString('base64'), 'it is a variation, not the same image');
  const encoded = await encode({ client, body: { image } });
  const { timings: _direct, ...directEncoding } = (await (await post('/encode', { image })).json()) as EncodeJson;
  const { timings: _sdk, ...sdkEncoding } = encoded.data!;
  t.same(sdkEncoding, directEncoding, 'POST /encode through the client');
  t.same([encoded.data!.codes.length, encoded.data!.codes[0]!.length], [8, 8]);

  const models = await getModels({ client });
  t.same(models.data?.models[0]?.labels, ['cat', 'dog', 'fox', 'owl']);
  t.equal(models.data?.models[0]?.imageInput, true);
  const one = await getModel({ client, path: { name: models.data!.default } });
  t.same(one.data, models.data?.models[0], 'GET /models/{name} through the client');
  const unknown = await getModel({ client, path: { name: 'no-such-model' } });
  t.equal(unknown.response.status, 404);
  t.match(unknown.error, { code: 'UNKNOWN_MODEL', message: /Should be one of: tiny/ });
  const anonymous = await getModels({ client: createClient({ baseUrl }) });
  t.equal(anonymous.response.status, 401);
  t.match(anonymous.error, { code: 'UNAUTHORIZED' });

  const { stream } = await generateStream({ client, body: { ...body, previewEvery: 2 } });
  const events: StreamEvent[] = [];
  for await (const event of stream) events.push(event);
  t.same(events.map((e) => e.type), ['queued', 'step', 'step', 'preview', 'step', 'step', 'done']);
  const done = events.at(-1)!;
  if (done.type !== 'done') throw new Error(`last event ${done.type}`);
  t.equal(done.seed, 99); // typed: DoneEvent has seed and data, no cast
  t.same(Buffer.from(done.data, 'base64'), directBytes, 'the stream\'s done image too');
});

t.test('a refused stream request throws the server\'s status, code and message, once, without onSseError', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR });
  t.teardown(() => app.close());
  const baseUrl = await listening(app);
  let requests = 0;
  const counting: typeof fetch = (input, init) => {
    requests++;
    return fetch(input, init);
  };
  const { stream } = await generateStream({ client: createClient({ baseUrl, fetch: counting }), body: { class: 'unicorn' } });
  const error = await (async () => {
    try {
      for await (const event of stream) t.fail(`no event expected, got ${event.type}`);
    } catch (err) {
      return err as Error & { status?: number; code?: string };
    }
    return undefined;
  })();
  t.match(error, { status: 400, code: 'UNKNOWN_CLASS', message: /^SSE failed: 400 UNKNOWN_CLASS: body\/class "unicorn" is not a label of this model/ });
  t.equal(requests, 1, 'not retried: a 4xx stays a 4xx');
});

t.test('a package: npm pack, install into a temporary project, the README example runs with plain Node, the types check', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'purrception-sdk-package-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { stdout: packed } = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: SDK_DIR });
  const [tarball] = JSON.parse(packed) as { filename: string; files: { path: string }[] }[];
  const shipped = tarball!.files.map((f) => f.path);
  t.ok(shipped.includes('lib/index.js') && shipped.includes('lib/index.d.ts') && shipped.includes('README.md'), 'JS, types and README are packed');
  t.notOk(shipped.includes('tsconfig.json'), 'the build config stays behind');

  const project = join(dir, 'consumer');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', join(dir, tarball!.filename)], { cwd: project });
  t.ok(existsSync(join(project, 'node_modules/@purrception/client/lib/index.js')), 'installed from the tarball');

  const readme = readFileSync(join(SDK_DIR, 'README.md'), 'utf8');
  const example = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
  if (example === undefined) throw new Error('openapi/client/README.md has no ```js example');
  writeFileSync(join(project, 'example.mjs'), example);
  const app = await readyApp({ modelDir: TINY_DIR });
  t.teardown(() => app.close());
  const url = await listening(app);
  const { stdout } = await run(process.execPath, ['example.mjs'], { cwd: project, env: { ...process.env, PURRCEPTION_URL: url } });
  t.match(stdout, /^model tiny: 4 classes$/m);
  t.match(stdout, /^wrote image\.png \(image\/png, \d+ bytes\)$/m);
  t.match(stdout, /^seeds 7, 8$/m);
  t.match(stdout, /^step 8 of 8$/m);
  t.match(stdout, /^done: 32x32, seed 7$/m);
  t.match(stdout, /^variation: image\/png, \d+ bytes$/m);
  t.match(stdout, /^encoded: 8x8 codes, \d+ distinct$/m);
  t.same([...readFileSync(join(project, 'image.png')).subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG on disk');

  // A TypeScript consumer resolves the package's .d.ts; events are typed (a step has no `image`).
  writeFileSync(
    join(project, 'consumer.ts'),
    [
      "import { generateStream, type StreamEvent } from '@purrception/client';",
      "import { createClient } from '@purrception/client/client';",
      "const client = createClient({ baseUrl: 'http://127.0.0.1:8080' });",
      'export async function seedOf(): Promise<number> {',
      "  const { stream } = await generateStream({ client, body: { class: 'cat' } });",
      '  for await (const event of stream) {',
      '    const typed: StreamEvent = event;',
      "    if (typed.type === 'done') return typed.seed;",
      "    // @ts-expect-error: only previews carry an image",
      "    if (typed.type === 'step') console.log(typed.image);",
      '  }',
      '  return -1;',
      '}',
    ].join('\n'),
  );
  const program = ts.createProgram([join(project, 'consumer.ts')], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
    types: [],
  });
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  t.same(diagnostics, [], 'the consumer type-checks against the packed .d.ts');
});

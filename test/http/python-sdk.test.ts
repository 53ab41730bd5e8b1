// The generated Python client (openapi/python, `npm run sdk:python`): no drift from openapi.json; and
// installed as a user would (a fresh virtual environment, `pip install openapi/python`), it works
// against a running server: the README's examples run as one script (one PNG, several images as JSON,
// image input with a mask, encode, models, a refused request, the stream read as it arrives, async),
// `generate` gives the bytes of a direct HTTP request with the same seed and model, a bad class raises
// ApiError with the server's status, code and message, and the stream brings step and done events.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { PYTHON_SDK_DIR, generatePythonSdk } from '../../scripts/sdk-python.js';
import { TINY_DIR, filesUnder, listening, pythonEnv, readyApp } from '../helpers.js';

const run = promisify(execFile);

t.test('the committed openapi/python matches what `npm run sdk:python` makes from openapi.json', async (t) => {
  await pythonEnv(); // the generator and ruff, pinned in openapi/requirements.txt
  const fresh = mkdtempSync(join(tmpdir(), 'purrception-sdk-python-'));
  t.teardown(() => rmSync(fresh, { recursive: true, force: true }));
  await generatePythonSdk(join(fresh, 'python'));
  const [committed, regenerated] = [filesUnder(PYTHON_SDK_DIR), filesUnder(join(fresh, 'python'))];
  t.same([...committed.keys()].sort(), [...regenerated.keys()].sort(), 'the same files');
  for (const [name, text] of regenerated) t.equal(committed.get(name), text, name);
  t.ok(committed.has('pyproject.toml') && committed.has('purrception_client/py.typed'), 'a package, typed');
});

t.test('installed into a fresh virtual environment, used against a live server', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'purrception-sdk-python-user-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // The interpreter that scripts/python-env.sh makes the repo's .venv with; nothing of the .venv itself.
  const started = Date.now();
  await run(process.env['PYTHON'] ?? 'python3', ['-m', 'venv', join(dir, 'venv')]);
  const python = join(dir, 'venv/bin/python');
  await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', PYTHON_SDK_DIR], { cwd: dir });
  t.comment(`fresh venv and pip install ${relative(process.cwd(), PYTHON_SDK_DIR) || PYTHON_SDK_DIR}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const { stdout: where } = await run(python, ['-c', 'import purrception_client; print(purrception_client.__file__)'], { cwd: dir });
  t.ok(where.startsWith(join(dir, 'venv')), 'imported from the virtual environment, not the folder');

  const key = 'python-sdk-test-key-0123456789';
  const app = await readyApp({ modelDir: TINY_DIR });
  t.teardown(() => app.close());
  const url = await listening(app);
  const guarded = await readyApp({ modelDir: TINY_DIR, apiKeys: [key] });
  t.teardown(() => guarded.close());
  const guardedUrl = await listening(guarded);

  // The README's examples, run in order as one script, as the README says.
  const readme = readFileSync(join(PYTHON_SDK_DIR, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```python\n([\s\S]*?)```/g)].map((m) => m[1]!);
  t.ok(blocks.length >= 6, `the README has its examples (${blocks.length} python blocks)`);
  writeFileSync(join(dir, 'example.py'), blocks.join('\n'));
  const example = await run(python, ['example.py'], { cwd: dir, env: { ...process.env, PURRCEPTION_URL: url } });
  const out = example.stdout;
  t.match(out, /^models: tiny \(default tiny\)$/m);
  t.match(out, /^model tiny: 4 classes, 32x32$/m);
  t.match(out, /^wrote image\.png \(image\/png, \d+ bytes\)$/m);
  t.match(out, /^status 200, seed \d+ \(random\), model tiny$/m);
  t.match(out, /^seeds 7, 8$/m, 'several images as JSON');
  t.match(out, /^variation: image\/png, \d+ bytes$/m);
  t.match(out, /^inpainted: image\/png, \d+ bytes$/m, 'image input with a mask');
  t.match(out, /^encoded: 8x8 codes, \d+ distinct$/m);
  t.match(out, /^refused: 400 UNKNOWN_CLASS: body\/class "unicorn" is not a label of this model\. Should be one of: cat, dog, fox, owl$/m);
  t.match(out, /^step 1 of 8$/m, 'the stream: step events as they arrive');
  t.match(out, /^step 8 of 8$/m);
  t.match(out, /^done: 32x32, seed 7$/m, 'and the done event');
  t.match(out, /^async: image\/png, image\/png, the first as before: True$/m);

  // generate gives the bytes of a direct HTTP request (as curl would send it) with the same seed and model.
  const direct = await fetch(`${url}/generate`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tiny', class: 'cat', steps: 8, seed: 7 }),
  });
  t.equal(direct.headers.get('content-type'), 'image/png');
  t.same(readFileSync(join(dir, 'image.png')), Buffer.from(await direct.arrayBuffer()), 'image.png: byte-identical to the direct request');

  // The typed error, the whole stream as typed events, a key: what the README's prose promises.
  writeFileSync(
    join(dir, 'check.py'),
    `
import asyncio
import json
import sys

from purrception_client import ApiError, AuthenticatedClient, Client
from purrception_client.api.generate import generate, generate_stream
from purrception_client.api.models import get_model, get_models
from purrception_client.models import DoneEvent, GenerateBody, GenerateStreamBody

url, guarded, key = sys.argv[1:4]
client = Client(base_url=url)
out = {}

def refusal(call):
    try:
        call()
    except ApiError as error:
        return {"type": type(error).__name__, "status": error.status_code, "code": error.code, "message": error.message,
                "parsed": type(error.parsed).__name__, "parsedCode": getattr(error.parsed, "code", None), "str": str(error)}
    return None

body = GenerateBody(class_="unicorn", steps=2)
out["badClass"] = refusal(lambda: generate.sync(client=client, body=body))
out["badClassAsync"] = refusal(lambda: asyncio.run(generate.asyncio(client=client, body=body)))
detailed = generate.sync_detailed(client=client, body=body)
out["badClassDetailed"] = {"status": detailed.status_code.value, "parsed": type(detailed.parsed).__name__, "code": detailed.parsed.code}
out["unknownModel"] = refusal(lambda: get_model.sync("no-such-model", client=client))

events = generate_stream.sync(client=client, body=GenerateStreamBody(class_="dog", steps=3, seed=5))
out["events"] = [type(event).__name__ for event in events]
out["doneSeed"] = events[-1].seed if isinstance(events[-1], DoneEvent) else None
out["streamRefused"] = refusal(lambda: generate_stream.sync(client=client, body=GenerateStreamBody(class_="unicorn")))

out["noKey"] = refusal(lambda: get_models.sync(client=Client(base_url=guarded)))
out["withKey"] = [m.name for m in get_models.sync(client=AuthenticatedClient(base_url=guarded, token=key)).models]
png = generate.sync(client=AuthenticatedClient(base_url=guarded, token=key), body=GenerateBody(class_=1, steps=2, seed=3))
out["withKeyImage"] = [type(png).__name__, png.mime_type, png.payload.read()[1:4].decode()]
print(json.dumps(out))
`,
  );
  const { stdout: checked } = await run(python, ['check.py', url, guardedUrl, key], { cwd: dir });
  const result = JSON.parse(checked) as Record<string, unknown>;
  const badClass = {
    type: 'ApiError',
    status: 400,
    code: 'UNKNOWN_CLASS',
    message: 'body/class "unicorn" is not a label of this model. Should be one of: cat, dog, fox, owl',
    parsed: 'ErrorResponse',
    parsedCode: 'UNKNOWN_CLASS',
    str: '400 UNKNOWN_CLASS: body/class "unicorn" is not a label of this model. Should be one of: cat, dog, fox, owl',
  };
  t.same(result['badClass'], badClass, 'a bad class raises ApiError with the server\'s status, code and message');
  t.same(result['badClassAsync'], badClass, 'from asyncio() too');
  t.same(result['badClassDetailed'], { status: 400, parsed: 'ErrorResponse', code: 'UNKNOWN_CLASS' }, 'sync_detailed returns it instead');
  t.match(result['unknownModel'], { status: 404, code: 'UNKNOWN_MODEL', message: /Should be one of: tiny/ });
  t.same(result['events'], ['QueuedEvent', 'StepEvent', 'StepEvent', 'StepEvent', 'DoneEvent'], 'generate_stream.sync: the typed events');
  t.equal(result['doneSeed'], 5);
  t.match(result['streamRefused'], { status: 400, code: 'UNKNOWN_CLASS' });
  t.match(result['noKey'], { status: 401, code: 'UNAUTHORIZED' });
  t.same(result['withKey'], ['tiny'], 'AuthenticatedClient sends the key');
  t.same(result['withKeyImage'], ['File', 'image/png', 'PNG']);
  t.comment(`fresh venv, install, README examples and checks: ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

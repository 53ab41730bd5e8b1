// The listening entry point as a process: start-up failures exit non-zero, SIGTERM drains.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import t from 'tap';
import { ORACLE_DIR, ROOT, TINY_DIR, until } from './helpers.js';

const SERVER = `${ROOT}dist/src/server.js`;

function startServer(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [SERVER], {
    env: { ...process.env, PORT: '0', LOG_LEVEL: 'info', THREADS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { child, output: () => text };
}

async function waitFor(output: () => string, pattern: RegExp, ms = 20_000): Promise<RegExpMatchArray> {
  await until(() => pattern.test(output()), `the output matches ${pattern}; output:\n${output()}`, ms);
  return output().match(pattern)!;
}

t.test('a broken model directory fails start-up with a message naming it, exit code 1', async (t) => {
  const { child, output } = startServer({ MODEL_DIR: `${ROOT}test/fixtures/does-not-exist` });
  const [code] = (await once(child, 'exit')) as [number];
  t.equal(code, 1);
  t.match(output(), /start-up failed: \[MODEL_INVALID\] .*does-not-exist\/manifest\.json: not found/);
});

t.test('bad configuration fails start-up naming the variable', async (t) => {
  const { child, output } = startServer({ MODEL_DIR: ORACLE_DIR, EXECUTION_PROVIDERS: 'tpu' });
  const [code] = (await once(child, 'exit')) as [number];
  t.equal(code, 1);
  t.match(output(), /Unsupported execution provider "tpu" in EXECUTION_PROVIDERS\. Should be one of: cpu, cuda, webgpu/);
});

t.test('SIGTERM drains: the listener stays open, /ready and new generations answer 503 DRAINING, in-flight requests finish, exit 0', async (t) => {
  const { child, output } = startServer({ MODEL_DIR: TINY_DIR });
  const [, url] = await waitFor(output, /Server listening at (http:\/\/127\.0\.0\.1:\d+)/);
  await waitFor(output, /model \S+ ready/);
  const post = (path: string, body: object) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const inflight = post('/generate', { class: 0, steps: 1000, seed: 1 });
  const metrics = async () => (await fetch(`${url}/metrics`)).text();
  await until(async () => /^purrception_queue_depth\{model="tiny"\} 1$/m.test(await metrics()), 'the request is in the engine');
  child.kill('SIGTERM');
  await waitFor(output, /draining/);

  const ready = await fetch(`${url}/ready`);
  t.equal(ready.status, 503, 'the listener answers: readiness fails while the pod still serves');
  t.match(await ready.json(), { status: 'draining', code: 'DRAINING' });
  t.equal(ready.headers.get('retry-after'), '1');
  const late = await post('/generate', { class: 0, steps: 2 });
  t.equal(late.status, 503);
  t.match(await late.json(), { code: 'DRAINING', message: /draining/ });
  t.equal(late.headers.get('retry-after'), '1');
  t.equal((await fetch(`${url}/health`)).status, 200, 'alive while draining');
  t.notMatch(output(), /drained/, 'checked while the drain was still under way');

  const res = await inflight;
  t.equal(res.status, 200, 'in-flight request completed');
  t.equal(res.headers.get('content-type'), 'image/png');
  t.equal(res.headers.get('connection'), 'close', 'a draining server closes the kept-alive connection');
  const answered = Date.now();
  const [code] = (await once(child, 'exit')) as [number];
  t.equal(code, 0);
  t.ok(Date.now() - answered < 10_000, `exits soon after the last answer, not after the 72 s keep-alive (${Date.now() - answered} ms)`);
  t.match(output(), /drained: closing the listener/);
  await t.rejects(fetch(`${url}/health`), /fetch failed/, 'then the listener is closed');
});

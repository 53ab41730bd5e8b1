// A GPU provider that does not load (no CUDA provider, no GPU adapter: the case on CI, whose npm ci
// skips the CUDA provider through .npmrc): falling back is a warning that carries the loader's reason,
// PROVIDER_FALLBACK=fail makes it a failed start-up, and that error names the provider and its remedy.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setImmediate as nextTurn } from 'node:timers/promises';
import t from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { loadModelSpec } from '../../src/model/manifest.js';
import { OrtModel } from '../../src/model/sessions.js';
import { ORACLE_DIR, ROOT, testConfig } from '../helpers.js';

const INSTALL = /ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install\.js/;

t.test('PROVIDER_FALLBACK: warn keeps the list, fail keeps only its first provider', async (t) => {
  const providers = (env: Record<string, string>, argv: string[] = []): string[] => loadConfig({ EXECUTION_PROVIDERS: 'cuda,cpu', ...env }, argv).executionProviders;
  t.same(providers({}), ['cuda', 'cpu']);
  t.same(providers({ PROVIDER_FALLBACK: 'warn' }), ['cuda', 'cpu']);
  t.same(providers({ PROVIDER_FALLBACK: 'fail' }), ['cuda']);
  t.same(providers({ PROVIDER_FALLBACK: 'warn' }, ['--provider-fallback', 'fail']), ['cuda']);
  t.throws(() => providers({ PROVIDER_FALLBACK: 'no' }), { code: 'CONFIG_INVALID', message: /PROVIDER_FALLBACK must be one of: warn, fail, got "no"/ });
});

t.test('a fallback warns once per graph with the failed provider\'s reason and remedy', async (t) => {
  const warnings: (Error & { code?: string })[] = [];
  const listener = (warning: Error): void => void warnings.push(warning);
  process.on('warning', listener);
  t.teardown(() => void process.off('warning', listener));
  const model = await OrtModel.load(loadModelSpec(ORACLE_DIR), { executionProviders: ['cuda', 'cpu'], threads: 1 });
  t.teardown(() => model.release());
  await nextTurn(); // process.emitWarning delivers on a later tick
  t.same(model.providers, { step: 'cpu', decode: 'cpu', encode: 'cpu' });
  const fallbacks = warnings.filter((w) => w.code === 'PURRCEPTION_PROVIDER_FALLBACK').map((w) => w.message);
  t.equal(fallbacks.length, 3, 'one warning per graph');
  t.match(fallbacks[0], /^the step graph runs on cpu because cuda: .*Failed to load .*CUDA provider is not installed/);
  t.match(fallbacks[0], INSTALL);
  t.match(fallbacks[1], /^the decode graph runs on cpu because cuda: .*PROVIDER_FALLBACK=fail makes this fail start-up instead$/);
  t.match(fallbacks[2], /^the encode graph runs on cpu because cuda: /);

  warnings.length = 0;
  const cpu = await OrtModel.load(loadModelSpec(ORACLE_DIR), { executionProviders: ['cpu'], threads: 1 });
  t.teardown(() => cpu.release());
  await nextTurn();
  t.same(warnings.filter((w) => w.code === 'PURRCEPTION_PROVIDER_FALLBACK'), [], 'no fallback, no warning');
});

t.test('PROVIDER_FALLBACK=fail: the app never gets ready and the error is PROVIDER_UNAVAILABLE with the remedy', async (t) => {
  const { executionProviders } = loadConfig({ EXECUTION_PROVIDERS: 'cuda,cpu', PROVIDER_FALLBACK: 'fail' }, []);
  const app = await buildApp({ config: testConfig({ executionProviders }), logger: false });
  t.teardown(() => app.close());
  await t.rejects(app.engineReady, { code: 'PROVIDER_UNAVAILABLE', message: /no execution provider could load the step graph \(tried cuda\): cuda: / });
  await t.rejects(app.engineReady, { message: INSTALL });
  t.equal((await app.inject('/ready')).statusCode, 503);
});

t.test('the listening server: the fallback warning reaches its output, and fail exits 1 naming the code', async (t) => {
  const run = async (env: Record<string, string>, until: RegExp): Promise<{ code: number | null; output: string }> => {
    const child = spawn(process.execPath, [`${ROOT}dist/src/server.js`], {
      env: { ...process.env, PORT: '0', THREADS: '1', LOG_LEVEL: 'warn', MODEL_DIR: ORACLE_DIR, EXECUTION_PROVIDERS: 'cuda,cpu', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
      if (until.test(output)) child.kill('SIGTERM');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const deadline = setTimeout(() => child.kill('SIGKILL'), 30_000); // a missing line fails, not hangs
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(deadline);
    return { code, output };
  };
  const warned = await run({}, /engine of [a-z0-9-]+ fell back from cuda/);
  t.match(warned.output, /\[PURRCEPTION_PROVIDER_FALLBACK\] Warning: the step graph runs on cpu because cuda: /);
  t.match(warned.output, /"level":40,.*"requested":\["cuda","cpu"\].*"msg":"engine of oracle fell back from cuda/, 'a warn line in the JSON log too');
  const failed = await run({ PROVIDER_FALLBACK: 'fail' }, /(?!)/);
  t.equal(failed.code, 1);
  t.match(failed.output, /start-up failed: \[PROVIDER_UNAVAILABLE\] .*tried cuda\): cuda: /);
  t.match(failed.output, INSTALL);
});

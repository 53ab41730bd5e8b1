// API keys, per-key rate limits and request timeouts (API_KEYS, RATE_LIMIT, REQUEST_TIMEOUT_MS).
import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { KeyRing } from '../../src/http/auth.js';
import { TINY_DIR, generate, leftTheBatch, metricValue, readyApp } from '../helpers.js';

const KEY_A = 'alpha-0123456789abcdef';
const KEY_B = 'bravo-0123456789abcdef';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

t.test('configuration: keys and rate limit off by default, a 5-minute request timeout; parsed and validated from the environment', async (t) => {
  const defaults = loadConfig({}, []);
  t.same([defaults.apiKeys, defaults.rateLimit, defaults.requestTimeoutMs], [[], 0, 300_000], 'no request waits forever by default');
  t.equal(loadConfig({ REQUEST_TIMEOUT_MS: '0' }, []).requestTimeoutMs, 0, '0 turns the timeout off');
  const set = loadConfig({ API_KEYS: ` ${KEY_A}, ${KEY_B},`, RATE_LIMIT: '30', REQUEST_TIMEOUT_MS: '5000' }, []);
  t.same([set.apiKeys, set.rateLimit, set.requestTimeoutMs], [[KEY_A, KEY_B], 30, 5000]);
  t.throws(() => loadConfig({ API_KEYS: 'short' }, []), /API_KEYS entries must be at least 16 characters/);
  t.throws(() => loadConfig({ RATE_LIMIT: '-1' }, []), /RATE_LIMIT must be an integer/);
  t.equal(loadConfig({}, ['--request-timeout-ms', '250']).requestTimeoutMs, 250);
});

t.test('KeyRing: digests compared in constant time, every key checked', async (t) => {
  const ring = new KeyRing([KEY_A, KEY_B]);
  t.equal(ring.match(KEY_A), 0);
  t.equal(ring.match(KEY_B), 1);
  t.equal(ring.match(KEY_A.slice(0, -1)), -1, 'a prefix is not the key');
  t.equal(ring.match(`${KEY_A}x`), -1, 'nor a longer string');
  t.equal(ring.match(''), -1);
  t.notOk(new KeyRing([]).enabled);
});

t.test('with API_KEYS: 401 JSON without a valid bearer key; /health, /ready and the playground stay open', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR, apiKeys: [KEY_A, KEY_B] });
  t.teardown(() => app.close());
  for (const url of ['/health', '/ready', '/']) t.equal((await app.inject(url)).statusCode, 200, `${url} open`);
  const body = { class: 'cat', steps: 2, seed: 1 };
  const none = await generate(app, body);
  t.equal(none.statusCode, 401);
  t.equal(none.headers['www-authenticate'], 'Bearer');
  t.match(none.json(), { statusCode: 401, code: 'UNAUTHORIZED', error: 'Unauthorized', message: /needs an API key/ });
  const wrong = await app.inject({ method: 'POST', url: '/generate', payload: body, headers: bearer(`${KEY_A}-no`) });
  t.match(wrong.json(), { statusCode: 401, code: 'UNAUTHORIZED', message: 'The API key is not valid' });
  const basic = await app.inject({ method: 'POST', url: '/generate', payload: body, headers: { authorization: `Basic ${KEY_A}` } });
  t.equal(basic.statusCode, 401, 'only bearer tokens');
  for (const key of [KEY_A, KEY_B]) {
    const ok = await app.inject({ method: 'POST', url: '/generate', payload: body, headers: bearer(key) });
    t.equal(ok.statusCode, 200);
  }
  for (const url of ['/models', '/metrics']) {
    t.equal((await app.inject(url)).statusCode, 401, `${url} protected`);
    t.equal((await app.inject({ url, headers: bearer(KEY_B) })).statusCode, 200);
  }
  const stream = await app.inject({ method: 'POST', url: '/generate/stream', payload: body });
  t.equal(stream.statusCode, 401, 'the stream too');
});

t.test('without API_KEYS every route is open', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR });
  t.teardown(() => app.close());
  t.equal((await generate(app, { class: 0, steps: 1 })).statusCode, 200);
  t.equal((await app.inject('/models')).statusCode, 200);
});

t.test('RATE_LIMIT: per key per minute, 429 JSON with Retry-After; other keys unaffected', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR, apiKeys: [KEY_A, KEY_B], rateLimit: 2 });
  t.teardown(() => app.close());
  const call = (key: string) => app.inject({ method: 'POST', url: '/generate', payload: { class: 0, steps: 1, seed: 1 }, headers: bearer(key) });
  t.same([(await call(KEY_A)).statusCode, (await call(KEY_A)).statusCode], [200, 200]);
  const limited = await call(KEY_A);
  t.equal(limited.statusCode, 429);
  t.match(limited.json(), { statusCode: 429, code: 'RATE_LIMITED', error: 'Too Many Requests', message: /2 requests per minute/ });
  t.ok(Number(limited.headers['retry-after']) > 0, `Retry-After ${limited.headers['retry-after']}`);
  t.equal((await call(KEY_B)).statusCode, 200, 'another key has its own bucket');
  t.equal((await app.inject('/health')).statusCode, 200, 'probes are not limited');
  for (let i = 0; i < 3; i++) t.equal((await app.inject('/ready')).statusCode, 200);
});

t.test('REQUEST_TIMEOUT_MS: 504 JSON, and the engine work is cancelled', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR, requestTimeoutMs: 150 });
  t.teardown(() => app.close());
  const res = await generate(app, { class: 0, steps: 1000, seed: 3, n: 2 });
  t.equal(res.statusCode, 504);
  t.match(res.json(), { statusCode: 504, code: 'REQUEST_TIMEOUT', error: 'Gateway Timeout', message: /longer than 150 ms/ });
  t.equal(await metricValue(app, 'purrception_samples_total', { outcome: 'timeout' }), 2, 'both samples counted as timed out');
  await leftTheBatch(t, app, 2);
  const stream = await app.inject({ method: 'POST', url: '/generate/stream', payload: { class: 0, steps: 1000, seed: 3 } });
  const last = stream.payload.trim().split('\n\n').at(-1)!;
  t.match(last, /^event: error\ndata: .*"code":"REQUEST_TIMEOUT"/, 'the stream ends with an error event');
  t.equal((await generate(app, { class: 0, steps: 2 })).statusCode, 200, 'short requests still pass');
});

t.test('CORS_ORIGINS: off by default; listed origins (or *) get CORS headers, preflights need no key', async (t) => {
  t.same(loadConfig({}, []).corsOrigins, [], 'off by default');
  t.same(loadConfig({ CORS_ORIGINS: 'https://App.example.com, http://localhost:3000/' }, []).corsOrigins, ['https://app.example.com', 'http://localhost:3000']);
  t.same(loadConfig({}, ['--cors-origins', '*']).corsOrigins, ['*']);
  for (const bad of ['https://app.example.com/path', 'app.example.com', 'ftp://example.com', '*, https://a.example']) {
    t.throws(() => loadConfig({ CORS_ORIGINS: bad }, []), /CORS_ORIGINS/, bad);
  }

  const origin = 'https://app.example.com';
  const body = { class: 'cat', steps: 1, seed: 1 };
  const off = await readyApp({ modelDir: TINY_DIR });
  t.teardown(() => off.close());
  const plain = await off.inject({ method: 'POST', url: '/generate', payload: body, headers: { origin } });
  t.equal(plain.statusCode, 200);
  t.notOk(plain.headers['access-control-allow-origin'], 'no CORS headers unless configured');
  t.equal((await off.inject({ method: 'OPTIONS', url: '/generate', headers: { origin, 'access-control-request-method': 'POST' } })).statusCode, 405);

  const app = await readyApp({ modelDir: TINY_DIR, corsOrigins: [origin], apiKeys: [KEY_A] });
  t.teardown(() => app.close());
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/generate',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, authorization' },
  });
  t.equal(preflight.statusCode, 204, 'the preflight carries no key and is answered');
  t.equal(preflight.headers['access-control-allow-origin'], origin);
  t.match(preflight.headers['access-control-allow-headers'], /Authorization/);
  t.match(preflight.headers['access-control-allow-methods'], /POST/);
  const allowed = await app.inject({ method: 'POST', url: '/generate', payload: body, headers: { origin, ...bearer(KEY_A) } });
  t.equal(allowed.statusCode, 200);
  t.equal(allowed.headers['access-control-allow-origin'], origin);
  t.match(allowed.headers['access-control-expose-headers'], /X-Seed/);
  const unauthorized = await app.inject({ method: 'POST', url: '/generate', payload: body, headers: { origin } });
  t.equal(unauthorized.statusCode, 401);
  t.equal(unauthorized.headers['access-control-allow-origin'], origin, 'the browser can read the 401 too');
  const other = await app.inject({ method: 'POST', url: '/generate', payload: body, headers: { origin: 'https://evil.example', ...bearer(KEY_A) } });
  t.notOk(other.headers['access-control-allow-origin'], 'an unlisted origin gets no CORS headers');

  const any = await readyApp({ modelDir: TINY_DIR, corsOrigins: ['*'] });
  t.teardown(() => any.close());
  t.equal((await any.inject({ url: '/models', headers: { origin: 'https://anywhere.example' } })).headers['access-control-allow-origin'], '*');
});

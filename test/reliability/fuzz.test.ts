// Fuzz: thousands of random and malformed requests (seeded: a failure prints its seed and case).
// Never a 5xx, never a crash; every error is JSON {statusCode, code, error, message} without a stack.
import { connect } from 'node:net';
import t from 'tap';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { TINY_DIR, readyApp } from '../helpers.js';
import { FULL, errorProblem, note, prng, size } from './util.js';

const SEED = Number(process.env['FUZZ_SEED'] ?? 20251128);

function generator(random: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const int = (n: number): number => Math.floor(random() * n);
  const unicode = (): string => Array.from({ length: 1 + int(12) }, () => String.fromCodePoint(pick([0x41 + int(26), 0xe9, 0x4e2d, 0x1f431, 0x202e, 0, 0xfeff, 0xd800 + int(0x400), 0x10ffff]))).join('');
  const scalar = (): unknown =>
    pick([
      () => int(5), () => -int(5), () => random() * 20, () => 1e308, () => -1e308, () => 2 ** 53 + 1, () => 5e-324, () => -0,
      () => 'NaN', () => 'Infinity', () => '-Infinity', () => '1e999', () => '0x10', () => '', () => ' 3', () => unicode(),
      () => pick(['cat', 'dog', 'fox', 'owl', 'CAT', 'cat ', 'c\u0061t', '__proto__', 'constructor', 'toString']),
      () => null, () => true, () => false, () => [], () => [int(4)], () => ({}), () => ({ $ref: '#' }), () => 'x'.repeat(int(3000)),
    ])();
  const field = (): string => pick(['class', 'tau', 'cfg', 'steps', 'seed', 'temperature', '__proto__', 'constructor', '', unicode()]);
  /** A /generate body: mostly near-valid with one or two fields broken, some wholly random. */
  const body = (): unknown => {
    if (random() < 0.15) return pick([scalar(), [scalar(), scalar()], 'null', 42]);
    const b: Record<string, unknown> = { class: pick([0, 1, 3, 'cat', 'owl']), steps: 1 + int(2) };
    if (random() < 0.5) b['tau'] = pick([0.5, 1, 9.9]);
    if (random() < 0.5) b['seed'] = int(1000);
    for (let k = 0; k < 1 + int(2); k++) b[field()] = scalar();
    // valid steps stay small: the point is validation, not long sampling
    if (typeof b['steps'] === 'number' && Number.isInteger(b['steps']) && (b['steps'] as number) > 3 && (b['steps'] as number) <= 1000) b['steps'] = 1001;
    return b;
  };
  const path = (): string =>
    pick([
      () => '/generate', () => '/generate/', () => '/GENERATE', () => '/generate?x=1&x=2', () => '/generate#frag', () => '//generate',
      () => '/health', () => '/ready', () => '/models', () => '/metrics', () => '/docs/json', () => '/docs/static/../../etc/passwd',
      () => `/${encodeURIComponent(unicode().replace(/[\ud800-\udfff]/g, '\u00bf'))}`, () => '/%ED%A0%80', () => '/%E0%A4%A', () => '/%00', () => `/${'a/'.repeat(int(400))}`, () => `/generate?${'q='.repeat(int(200))}`,
    ])();
  const method = (): InjectOptions['method'] => pick(['GET', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD']);
  const contentType = (): string | undefined =>
    pick([
      'application/json', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'text/plain',
      'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/json;;;',
      'APPLICATION/JSON', 'application/jsonx', '', 'a/b/c', undefined,
    ]);
  const payload = (): string | Buffer => {
    const valid = JSON.stringify(body());
    return pick([
      () => valid, () => valid, () => valid.slice(0, int(valid.length)), () => `${valid}}`, () => `${valid}${valid}`, () => valid.replace(':', '=') ,
      () => Buffer.from(Array.from({ length: int(64) }, () => int(256))), () => '{"class": 1, "class": "cat", "steps": 1}',
      () => `{"class":0,"steps":1,"x":"${'y'.repeat(17000)}"}`, () => `${'['.repeat(5000)}`, () => '{"class":0,"steps":1e2}',
      () => '\ufeff{"class":0,"steps":1}', () => '',
    ])();
  };
  const headers = (): Record<string, string> => {
    const h: Record<string, string> = {};
    const ct = contentType();
    if (ct !== undefined) h['content-type'] = ct;
    if (random() < 0.15) h['content-encoding'] = pick(['gzip', 'br', 'identity', 'x-unknown']);
    if (random() < 0.1) h['accept'] = pick(['image/png', 'text/html', '*/*', 'x'.repeat(500)]);
    if (random() < 0.1) h['x-forwarded-for'] = unicode().replace(/[^\x20-\x7e]/g, '?');
    if (random() < 0.05) h['transfer-encoding'] = 'chunked';
    return h;
  };
  return { method, path, headers, payload };
}

async function fuzzInject(app: FastifyInstance, count: number, seed: number): Promise<{ problems: string[]; statuses: Map<number, number> }> {
  const random = prng(seed);
  const g = generator(random);
  const problems: string[] = [];
  const statuses = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const method = g.method();
    const url = g.path();
    const options: InjectOptions = { method, url, headers: g.headers() };
    if (method !== 'GET' && method !== 'HEAD') options.payload = g.payload();
    let res;
    try {
      res = await app.inject(options);
    } catch (err) {
      problems.push(`case ${i}: inject threw ${(err as Error).message}`);
      continue;
    }
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    if (res.statusCode < 400 && res.statusCode !== 200 && res.statusCode !== 204 && !(res.statusCode >= 300 && res.statusCode < 400)) continue;
    if (res.statusCode >= 400 && method !== 'HEAD') {
      const problem = errorProblem(res.statusCode, res.headers['content-type'] as string | undefined, res.payload);
      if (problem) problems.push(`case ${i} (seed ${seed}): ${method} ${url.slice(0, 80)} -> ${res.statusCode}: ${problem}: ${res.payload.slice(0, 160)}`);
    } else if (res.statusCode >= 500) {
      problems.push(`case ${i} (seed ${seed}): ${method} ${url.slice(0, 80)} -> ${res.statusCode}`);
    }
  }
  return { problems, statuses };
}

t.test('random and malformed requests: never a 5xx, every error is JSON with statusCode/code/message', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR, cacheBytes: 0 });
  t.teardown(() => app.close());
  const count = size(3000, 30000);
  const started = performance.now();
  const { problems, statuses } = await fuzzInject(app, count, SEED);
  const summary = [...statuses.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}:${n}`).join(' ');
  note(t, `fuzz: ${count} requests (seed ${SEED}${FULL ? ', full' : ''}) in ${((performance.now() - started) / 1000).toFixed(1)} s; statuses ${summary}`);
  t.same(problems.slice(0, 10), [], `${problems.length} contract violations`);
  t.ok([...statuses.keys()].some((s) => s === 200), 'some requests were valid and served');
  t.equal((await app.inject('/health')).statusCode, 200, 'still alive');
  t.equal((await app.inject({ method: 'POST', url: '/generate', payload: { class: 'cat', steps: 2 } })).statusCode, 200, 'still serving');
});

/** Sends raw bytes and collects what comes back until the server closes or answers, or `ms` pass. */
function raw(port: number, bytes: string | Buffer, ms = 3000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    const done = (): void => {
      socket.destroy();
      resolve(out);
    };
    const timer = setTimeout(done, ms);
    socket.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      const head = out.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(out);
      if (head >= 0 && length && out.length - head - 4 >= Number(length[1])) {
        clearTimeout(timer);
        done();
      }
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.on('error', () => undefined);
    socket.write(bytes);
  });
}

t.test('malformed HTTP on the wire (parser errors): answered as JSON errors with a code', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR, cacheBytes: 0 });
  t.teardown(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const random = prng(SEED + 1);
  const cases: string[] = [
    'GARBAGE\r\n\r\n',
    'POST /generate HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
    'POST /generate HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n{"a":',
    `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    'GET /health HTTP/1.1\r\nHost: x\r\nBad Header Name: 1\r\n\r\n',
    'POST /generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n',
    'GET /%E0%A4%A HTTP/1.1\r\nHost: x\r\n\r\n',
    'GET /health HTTP/9.9\r\nHost: x\r\n\r\n',
  ];
  for (let i = 0; i < size(40, 400); i++) {
    cases.push(`${['GET', 'POST', 'P\u00d6ST', 'BREW'][Math.floor(random() * 4)]} /${Buffer.from(Array.from({ length: 8 }, () => 33 + Math.floor(random() * 90))).toString('latin1')} HTTP/1.1\r\nHost: x\r\n\r\n`);
  }
  const problems: string[] = [];
  for (const [i, text] of cases.entries()) {
    const answer = await raw(port, text);
    if (answer === '') continue; // the server may just close a connection it cannot parse
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
    const head = answer.slice(0, answer.indexOf('\r\n\r\n'));
    const contentType = /content-type: ([^\r\n]+)/i.exec(head)?.[1];
    const problem = errorProblem(status, contentType, answer.slice(head.length + 4));
    if (status >= 400 && problem) problems.push(`case ${i} ${JSON.stringify(text.slice(0, 50))}: ${problem}: ${answer.slice(head.length + 4, head.length + 200)}`);
  }
  t.same(problems.slice(0, 5), [], `${problems.length} of ${cases.length} answers break the error contract`);
  const res = await fetch(`http://127.0.0.1:${port}/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"class":0,"steps":2}' });
  t.equal(res.status, 200, 'still serving');
  await res.arrayBuffer();
});

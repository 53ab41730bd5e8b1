// Every client mistake gets a 4xx JSON error naming the problem, and the server keeps serving.
import t from 'tap';
import { generate, readyApp } from '../helpers.js';

const cases: [string, unknown, number, RegExp][] = [
  ['unknown label', { class: 'purple' }, 400, /"purple" is not a label.*red, green, blue/],
  ['class id out of range', { class: 3 }, 400, /class 3 is out of range.*0\.\.2/],
  ['negative class id', { class: -1 }, 400, /body\/class must be >= 0/],
  ['class of the wrong type', { class: true }, 400, /body\/class must be a class id/],
  ['missing class', { tau: 1 }, 400, /required property 'class'/],
  ['tau zero', { class: 0, tau: 0 }, 400, /body\/tau must be > 0/],
  ['tau too large', { class: 0, tau: 10.5 }, 400, /body\/tau must be <= 10/],
  ['tau as a string', { class: 0, tau: '0.9' }, 400, /body\/tau must be number/],
  ['cfg negative', { class: 0, cfg: -0.1 }, 400, /body\/cfg must be >= 0/],
  ['cfg too large', { class: 0, cfg: 21 }, 400, /body\/cfg must be <= 20/],
  ['steps zero', { class: 0, steps: 0 }, 400, /body\/steps must be >= 1/],
  ['steps too many', { class: 0, steps: 1001 }, 400, /body\/steps must be <= 1000/],
  ['steps fractional', { class: 0, steps: 2.5 }, 400, /body\/steps must be integer/],
  ['seed too large', { class: 0, seed: 2 ** 32 }, 400, /body\/seed must be <= 4294967295/],
  ['seed negative', { class: 0, seed: -1 }, 400, /body\/seed must be >= 0/],
  ['unknown field', { class: 0, temperature: 1 }, 400, /unknown field "temperature"/],
  ['body not an object', [1, 2], 400, /body must be object/],
];

t.test('bad JSON bodies', async (t) => {
  const app = await readyApp();
  t.teardown(() => app.close());
  for (const [name, body, status, message] of cases) {
    const res = await generate(app, body);
    t.equal(res.statusCode, status, name);
    t.match(res.json(), { statusCode: status, code: /^[A-Z_]+$/, message }, name);
  }
  t.equal((await generate(app, { class: 'red' })).statusCode, 200, 'still serving');
});

t.test('bad transport: malformed JSON, wrong content type, oversized and huge numbers', async (t) => {
  const app = await readyApp({ bodyLimit: 1024 });
  t.teardown(() => app.close());
  const post = (payload: string, contentType?: string) =>
    app.inject({ method: 'POST', url: '/generate', payload, headers: contentType === undefined ? {} : { 'content-type': contentType } });
  const malformed = await post('{"class": 1,', 'application/json');
  t.equal(malformed.statusCode, 400);
  t.match(malformed.json(), { code: 'INVALID_JSON', message: /^The body is not valid JSON: .*position 12/ }, 'a code of the catalogue, and where the parser stopped');
  const empty = await post('', 'application/json');
  t.equal(empty.statusCode, 400);
  t.match(empty.json(), { code: 'INVALID_JSON', message: 'The body is empty: send a JSON object' });
  for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
    const res = await post(contentType === 'text/plain' ? '{"class": 1}' : 'class=1', contentType);
    t.equal(res.statusCode, 415, contentType);
    t.match(res.json(), { statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: `Content-Type ${contentType} is not accepted: send the body as application/json` }, contentType);
  }
  const untyped = await app.inject({ method: 'POST', url: '/generate', payload: Buffer.from('{"class": 1}') });
  t.equal(untyped.statusCode, 415, 'a body without Content-Type');
  t.match(untyped.json(), { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'The request has a body but no Content-Type: send it as application/json' });
  const big = await post(JSON.stringify({ class: 0, pad: 'x'.repeat(2000) }), 'application/json');
  t.equal(big.statusCode, 413);
  t.match(big.json(), { code: 'BODY_TOO_LARGE', message: 'The request body is larger than the limit of 1024 bytes (BODY_LIMIT)' });
  const huge = await post('{"class": 0, "tau": 1e400}', 'application/json');
  t.equal(huge.statusCode, 400);
  t.match(huge.json().message, /body\/tau must be number/); // 1e400 parses to Infinity
  t.equal((await generate(app, { class: 1 })).statusCode, 200, 'still serving');
});

t.test('a known path with another method: 405 with Allow; an unknown path: 404', async (t) => {
  const app = await readyApp();
  t.teardown(() => app.close());
  const cases: [string, string, string][] = [
    ['GET', '/generate', 'POST'],
    ['PUT', '/generate/stream', 'POST'],
    ['POST', '/health', 'GET, HEAD'],
    ['DELETE', '/models?x=1', 'GET, HEAD'],
    ['POST', '/app.js', 'GET, HEAD'],
    ['DELETE', '/models/tiny', 'GET, HEAD'],
    ['PUT', '/models/no-such-model', 'GET, HEAD'],
  ];
  for (const [method, url, allow] of cases) {
    const res = await app.inject({ method: method as 'GET', url });
    t.equal(res.statusCode, 405, `${method} ${url}`);
    t.equal(res.headers['allow'], allow);
    t.match(res.json(), { statusCode: 405, code: 'METHOD_NOT_ALLOWED', error: 'Method Not Allowed', message: `${method} ${url.split('?')[0]} is not allowed; allowed: ${allow}` });
  }
  const missing = await app.inject({ method: 'GET', url: '/generate/nothing' });
  t.equal(missing.statusCode, 404);
  t.match(missing.json(), { code: 'NOT_FOUND', message: 'No route GET /generate/nothing' });
  t.notOk(missing.headers['allow']);
  t.equal((await app.inject({ method: 'GET', url: '/models/tiny/more' })).statusCode, 404, 'a parameter is one segment');
});

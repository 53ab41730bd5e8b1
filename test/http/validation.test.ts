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
  const post = (payload: string, contentType = 'application/json') =>
    app.inject({ method: 'POST', url: '/generate', payload, headers: { 'content-type': contentType } });
  const malformed = await post('{"class": 1,');
  t.equal(malformed.statusCode, 400);
  t.match(malformed.json().message, /not valid JSON/);
  const empty = await post('');
  t.equal(empty.statusCode, 400);
  const wrongType = await post('class=1', 'application/x-www-form-urlencoded');
  t.equal(wrongType.statusCode, 415);
  t.match(wrongType.json(), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' });
  const big = await post(JSON.stringify({ class: 0, pad: 'x'.repeat(2000) }));
  t.equal(big.statusCode, 413);
  const huge = await post('{"class": 0, "tau": 1e400}');
  t.equal(huge.statusCode, 400);
  t.match(huge.json().message, /body\/tau must be number/); // 1e400 parses to Infinity
  const getGenerate = await app.inject({ method: 'GET', url: '/generate' });
  t.equal(getGenerate.statusCode, 404);
  t.match(getGenerate.json(), { code: 'NOT_FOUND', message: 'No route GET /generate' });
  t.equal((await generate(app, { class: 1 })).statusCode, 200, 'still serving');
});

// POST /generate with n images, output formats, JSON answers and the cache key.
import t from 'tap';
import { TINY_DIR, decodePng, generate, metricValue, readyApp } from '../helpers.js';
import type { GenerateJson } from '../../src/http/schemas.js';

const json = (app: Awaited<ReturnType<typeof readyApp>>, body: object) =>
  app.inject({ method: 'POST', url: '/generate', payload: body, headers: { accept: 'application/json' } });

t.test('n images: one grid PNG; each cell is the single image of seed + i', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR, cacheBytes: 0 });
  t.teardown(() => app.close());
  const body = { class: 'fox', steps: 5, seed: 100 };
  const before = await metricValue(app, 'purrception_step_runs_total');
  const grid = await generate(app, { ...body, n: 4 });
  t.equal(await metricValue(app, 'purrception_step_runs_total') - before, 5, 'the 4 samples batch together: 5 step runs');
  t.equal(grid.statusCode, 200);
  t.equal(grid.headers['content-type'], 'image/png');
  t.equal(grid.headers['x-seed'], '100');
  const cells = await decodePng(grid.rawPayload);
  t.same([cells.width, cells.height], [64, 64], '2 x 2 cells of 32 px');
  for (let i = 0; i < 4; i++) {
    const single = await decodePng((await generate(app, { ...body, seed: 100 + i })).rawPayload);
    const [cx, cy] = [(i % 2) * 32, Math.floor(i / 2) * 32];
    let same = true;
    for (let y = 0; y < 32; y++) {
      const row = cells.data.subarray(((cy + y) * 64 + cx) * 3, ((cy + y) * 64 + cx + 32) * 3);
      if (!row.equals(single.data.subarray(y * 96, (y + 1) * 96))) same = false;
    }
    t.ok(same, `cell ${i} is seed ${100 + i}`);
  }
  const three = await decodePng((await generate(app, { ...body, n: 3 })).rawPayload);
  t.same([three.width, three.height], [64, 64], '3 images: 2 columns, 2 rows, the last cell blank');
  t.ok(three.data.subarray((40 * 64 + 40) * 3, (40 * 64 + 41) * 3).every((v) => v === 255), 'blank cell is white');
});

t.test('Accept: application/json: base64 images with seeds, timings and mean entropy', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR });
  t.teardown(() => app.close());
  const body = { class: 'owl', steps: 4, seed: 2 ** 32 - 2, n: 3 };
  const res = await json(app, body);
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^application\/json/);
  t.equal(res.headers['x-cache'], 'off');
  t.equal(res.headers['vary'], 'Accept');
  const answer = res.json<GenerateJson>();
  t.match(answer, { class: 'owl', classId: 3, sampler: 'euler', steps: 4 });
  t.same(answer.images.map((i) => i.seed), [2 ** 32 - 2, 2 ** 32 - 1, 0], 'seeds wrap modulo 2^32');
  for (const image of answer.images) {
    t.match(image, { mediaType: 'image/png', width: 32, height: 32, timings: { queueMs: Number, sampleMs: Number, encodeMs: Number } });
    const meanEntropy = image.meanEntropy!;
    t.ok(meanEntropy > 0 && meanEntropy <= Math.log(64), `mean entropy ${meanEntropy}`);
    t.notOk('uncertainty' in image);
    const direct = await generate(app, { class: 'owl', steps: 4, seed: image.seed });
    t.same(Buffer.from(image.data, 'base64'), direct.rawPayload, `seed ${image.seed}: the same bytes as the image answer`);
    t.equal(Number(direct.headers['x-mean-entropy']), Number(meanEntropy.toFixed(4)));
  }
});

t.test('formats: webp and jpeg through sharp, quality changes jpeg bytes', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR });
  t.teardown(() => app.close());
  const body = { class: 0, steps: 3, seed: 8 };
  const webp = await generate(app, { ...body, format: 'webp' });
  t.equal(webp.headers['content-type'], 'image/webp');
  t.equal(webp.rawPayload.subarray(8, 12).toString('latin1'), 'WEBP');
  const jpeg = await generate(app, { ...body, format: 'jpeg', quality: 95 });
  t.equal(jpeg.headers['content-type'], 'image/jpeg');
  t.same([...jpeg.rawPayload.subarray(0, 3)], [0xff, 0xd8, 0xff]);
  const low = await generate(app, { ...body, format: 'jpeg', quality: 10 });
  t.ok(low.rawPayload.length < jpeg.rawPayload.length, 'lower quality, fewer bytes');
  for (const res of [webp, jpeg, low]) t.same((({ width, height }) => [width, height])(await decodePng(res.rawPayload)), [32, 32]);
  const asJson = (await json(app, { ...body, format: 'webp', n: 2 })).json<GenerateJson>();
  t.same(asJson.images.map((i) => i.mediaType), ['image/webp', 'image/webp']);
});

t.test('Accept chooses the answer: q-values, q=0, image types; format and Accept must agree', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR });
  t.teardown(() => app.close());
  const post = (accept: string | undefined, extra: object = {}) =>
    app.inject({ method: 'POST', url: '/generate', payload: { class: 0, steps: 2, seed: 4, ...extra }, headers: accept === undefined ? {} : { accept } });
  const cases: [string | undefined, object, string][] = [
    [undefined, {}, 'image/png'],
    ['*/*', {}, 'image/png'],
    ['image/webp', {}, 'image/webp'],
    ['image/jpeg;q=0.4, image/webp;q=0.8', {}, 'image/webp'],
    ['application/json;q=0, */*', {}, 'image/png'],
    ['image/png;q=0.5, application/json', {}, 'application/json'],
    ['application/json, image/webp;q=0.5', { format: 'jpeg' }, 'application/json'],
    ['image/*', { format: 'webp' }, 'image/webp'],
    ['image/jpeg', { quality: 40 }, 'image/jpeg'],
  ];
  for (const [accept, extra, type] of cases) {
    const res = await post(accept, extra);
    const name = `Accept ${accept} ${JSON.stringify(extra)}`;
    t.equal(res.statusCode, 200, name);
    t.match(res.headers['content-type'], new RegExp(`^${type}`), name);
    t.equal(res.headers['vary'], 'Accept', name);
  }
  t.equal((await post('image/webp')).rawPayload.subarray(8, 12).toString('latin1'), 'WEBP', 'Accept: image/webp gives WebP bytes');
  const jsonWebp = await post('application/json', { format: 'webp' });
  t.same(jsonWebp.json<GenerateJson>().images.map((i) => i.mediaType), ['image/webp'], 'JSON answers carry images in format');
  for (const [accept, extra] of [['application/json;q=0', {}], ['text/html', {}], ['image/webp', { format: 'png' }]] as const) {
    const res = await post(accept, extra);
    t.equal(res.statusCode, 406, `Accept ${accept} ${JSON.stringify(extra)}`);
    t.match(res.json(), { statusCode: 406, code: 'NOT_ACCEPTABLE', error: 'Not Acceptable', message: `Accept "${accept}" allows none of` });
  }
});

t.test('quality applies to webp and jpeg only: with png it is a 400 naming the field', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR });
  t.teardown(() => app.close());
  for (const extra of [{ quality: 80 }, { quality: 80, format: 'png' }]) {
    const res = await generate(app, { class: 0, steps: 2, ...extra });
    t.equal(res.statusCode, 400, JSON.stringify(extra));
    t.match(res.json(), { code: 'INVALID_OPTION', message: /^body\/quality applies to webp and jpeg only: png is lossless/ });
  }
  const asJson = await json(app, { class: 0, steps: 2, quality: 80 });
  t.equal(asJson.statusCode, 400, 'JSON answers with png images too');
  t.equal((await generate(app, { class: 0, steps: 2, quality: 80, format: 'webp' })).statusCode, 200);
});

t.test('the cache key holds everything that changes the bytes', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR });
  t.teardown(() => app.close());
  const body = { class: 'cat', steps: 4, seed: 21 };
  const first = await generate(app, body);
  t.equal(first.headers['x-cache'], 'miss');
  t.equal((await generate(app, body)).headers['x-cache'], 'hit');
  const variants: object[] = [
    { n: 2 },
    { format: 'webp' },
    { format: 'jpeg' },
    { format: 'jpeg', quality: 50 },
    { sampler: 'heun' },
    { tau: { start: 0.9, end: 0.5 } },
    { tau: 0.5 },
    { cfg: 3 },
    { steps: 5 },
    { seed: 22 },
  ];
  const seen = new Set([first.rawPayload.toString('base64')]);
  for (const variant of variants) {
    const res = await generate(app, { ...body, ...variant });
    t.equal(res.headers['x-cache'], 'miss', JSON.stringify(variant));
    seen.add(res.rawPayload.toString('base64'));
    const again = await generate(app, { ...body, ...variant });
    t.equal(again.headers['x-cache'], 'hit', `${JSON.stringify(variant)} again`);
    t.same(again.rawPayload, res.rawPayload);
  }
  t.equal(seen.size, variants.length + 1, 'every variant has its own bytes');
  t.equal((await json(app, body)).headers['x-cache'], 'off', 'JSON answers (with timings) are not cached');
});

t.test('validation of the new fields names them', async (t) => {
  const app = await readyApp();
  t.teardown(() => app.close());
  const cases: [object, RegExp][] = [
    [{ n: 0 }, /body\/n must be >= 1/],
    [{ n: 17 }, /body\/n must be <= 16/],
    [{ format: 'gif' }, /body\/format must be one of: png, webp, jpeg/],
    [{ quality: 0 }, /body\/quality must be >= 1/],
    [{ sampler: 'rk4' }, /body\/sampler must be one of: euler, heun/],
    [{ tau: { start: 0, end: 1 } }, /body\/tau\/start must be > 0/],
    [{ tau: { start: 1, end: 11 } }, /body\/tau\/end must be <= 10/],
    [{ tau: { start: 1 } }, /body\/tau must have required property 'end'/],
    [{ tau: { start: 1, end: 2, middle: 3 } }, /body\/tau has an unknown field "middle"/],
    [{ uncertainty: true }, /body\/uncertainty needs Accept: application\/json/],
    [{ steps: 4, uncertaintyStep: 4 }, /body\/uncertaintyStep must be < steps \(4\), got 4/],
  ];
  for (const [extra, message] of cases) {
    const res = await generate(app, { class: 0, ...extra });
    t.equal(res.statusCode, 400, JSON.stringify(extra));
    t.match(res.json(), { code: /^(INVALID_REQUEST|INVALID_OPTION)$/, message }, JSON.stringify(extra));
  }
});

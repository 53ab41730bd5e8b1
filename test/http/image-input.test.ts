// Starting from an image on the random-weight DiT fixture (its posterior depends on z and t, unlike the
// oracle's): strength 1 is the request without the image, byte for byte; a mask keeps the encoded
// codes exactly; image rows give the same bytes alone or batched; codes in JSON and the stream; the
// cache key holds the image.
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { TINY_DIR, aStepRan, generate, imageOf, readyApp } from '../helpers.js';
import type { GenerateJson } from '../../src/http/schemas.js';

const asJson = (app: FastifyInstance, body: object) => app.inject({ method: 'POST', url: '/generate', headers: { accept: 'application/json' }, payload: body });
const encode = (app: FastifyInstance, image: string) => app.inject({ method: 'POST', url: '/encode', payload: { image } });

/** A 48 x 40 picture (cropped to the model's square): a disc on a gradient. */
const picture = async (shift = 0): Promise<string> =>
  (await imageOf(48, 40, (x, y) => ((x - 24) ** 2 + (y - 20) ** 2 < 120 ? [230, 120 + shift, 20] : [x * 5, 80, 200 - y * 4]))).toString('base64');

/** Paints the right half of a 48 x 40 mask, white strokes on transparent (as the playground does). */
const rightHalf = async (): Promise<string> => (await imageOf(48, 40, (x) => (x >= 24 ? [255, 255, 255, 255] : [0, 0, 0, 0]))).toString('base64');

t.test('strength 1 without a mask gives exactly the bytes of the same request without an image', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR, cacheBytes: 0 });
  t.teardown(() => app.close());
  const image = await picture();
  const cases: object[] = [
    { class: 'cat', steps: 6, seed: 12 },
    { class: 'fox', steps: 5, seed: 3, sampler: 'heun', tau: { start: 1.2, end: 0.5 }, cfg: 2 },
    { class: 'owl', steps: 4, seed: 7, n: 3 },
  ];
  for (const body of cases) {
    const [plain, withImage] = [await generate(app, body), await generate(app, { ...body, image, strength: 1 })];
    t.equal(withImage.statusCode, 200);
    t.same(withImage.rawPayload, plain.rawPayload, JSON.stringify(body));
    t.equal(withImage.headers['x-mean-entropy'], plain.headers['x-mean-entropy']);
  }
  const variation = await generate(app, { ...cases[0]!, image, strength: 0.6 });
  t.notSame(variation.rawPayload, (await generate(app, cases[0]!)).rawPayload, 'a lower strength does start from the image');
});

t.test('with a mask, the final codes outside it equal the encoded input\'s codes exactly', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR });
  t.teardown(() => app.close());
  const image = await picture();
  const encoded = encode(app, image);
  const { codes: input } = (await encoded).json<{ codes: number[][] }>();
  const mask = `data:image/png;base64,${await rightHalf()}`;
  for (const [sampler, strength] of [['euler', 1], ['heun', 0.7], ['euler', 0.3]] as const) {
    const res = await asJson(app, { class: 'dog', steps: 6, sampler, strength, image, mask, codes: true, seed: 5, n: 2 });
    t.equal(res.statusCode, 200);
    for (const result of res.json<GenerateJson>().images) {
      const codes = result.codes!;
      t.same(codes.map((row) => row.slice(0, 4)), input.map((row) => row.slice(0, 4)), `${sampler} ${strength} seed ${result.seed}: the kept left half`);
      if (strength === 1) t.notSame(codes, input, 'the right half is regenerated');
    }
  }
});

t.test('image rows give the same bytes alone or in a batch with other requests; so do encodes', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR, cacheBytes: 0, maxBatch: 8 });
  t.teardown(() => app.close());
  const [image, other] = [await picture(), await picture(90)];
  const mask = await rightHalf();
  const targets = [
    { class: 'dog', steps: 6, seed: 77, image, strength: 0.5 },
    { class: 'cat', steps: 5, seed: 78, image, mask, strength: 0.9, sampler: 'heun' },
  ];
  const alone: Awaited<ReturnType<typeof generate>>[] = [];
  for (const body of targets) alone.push(await generate(app, body));
  const encodedAlone = (await encode(app, image)).json();
  const crowd = [
    ...Array.from({ length: 4 }, (_, i) => generate(app, { class: i % 4, steps: 4 + 3 * i, seed: 900 + i })),
    ...Array.from({ length: 3 }, (_, i) => generate(app, { class: (i + 1) % 4, steps: 3 + 4 * i, seed: 950 + i, image: other, strength: 0.3 + 0.3 * i })),
    encode(app, other),
  ];
  await aStepRan(app); // the targets join mid-flight, at another iteration than the crowd
  const crowded = await Promise.all([...targets.map((body) => generate(app, body)), encode(app, image), ...crowd]);
  t.ok(crowded.every((r) => r.statusCode === 200), crowded.map((r) => r.statusCode).join());
  targets.forEach((body, i) => t.same(crowded[i]!.rawPayload, alone[i]!.rawPayload, `${JSON.stringify({ ...body, image: '…', mask: '…' })}: identical in the crowd`));
  const { timings: _a, ...encodedShown } = encodedAlone;
  const { timings: _b, ...encodedCrowded } = crowded[targets.length]!.json();
  t.same(encodedCrowded, encodedShown, 'the encoding too');
});

t.test('codes in JSON answers and in the stream; the image answer refuses them', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR });
  t.teardown(() => app.close());
  const image = await picture();
  const json = (await asJson(app, { class: 'fox', steps: 3, seed: 1, image, codes: true })).json<GenerateJson>();
  const grid = json.images[0]!.codes!;
  t.same([grid.length, grid[0]!.length], [8, 8], 'latent height rows of latent width codes');
  t.ok(grid.flat().every((code) => Number.isInteger(code) && code >= 0 && code < 64));
  t.notOk('codes' in (await asJson(app, { class: 'fox', steps: 3, seed: 1, image })).json<GenerateJson>().images[0]!, 'only when asked for');
  const stream = await app.inject({ method: 'POST', url: '/generate/stream', payload: { class: 'fox', steps: 3, seed: 1, image, codes: true } });
  t.equal(stream.statusCode, 200);
  const done = JSON.parse(/event: done\ndata: (.*)\n/.exec(stream.payload)![1]!) as { codes: number[][]; data: string };
  t.same(done.codes, grid, 'the stream\'s done event carries the same codes');
  t.equal(done.data, json.images[0]!.data, 'and the same image');
  const refused = await generate(app, { class: 'fox', steps: 3, image, codes: true });
  t.equal(refused.statusCode, 400);
  t.match(refused.json(), { code: 'INVALID_OPTION', message: /^body\/codes needs Accept: application\/json/ });
});

t.test('the cache key holds the image, its strength and its mask', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR });
  t.teardown(() => app.close());
  const [image, other, mask] = [await picture(), await picture(90), await rightHalf()];
  const body = { class: 'owl', steps: 3, seed: 21, image };
  const first = await generate(app, body);
  t.equal(first.headers['x-cache'], 'miss');
  const hit = await generate(app, body);
  t.equal(hit.headers['x-cache'], 'hit');
  t.same(hit.rawPayload, first.rawPayload);
  const seen = new Set([first.rawPayload.toString('base64')]);
  for (const variant of [{ image: other }, { strength: 0.3 }, { mask }, {}]) {
    const res = await generate(app, { ...body, ...variant });
    if (Object.keys(variant).length === 0) {
      t.equal(res.headers['x-cache'], 'hit', 'the same request again');
      continue;
    }
    t.equal(res.headers['x-cache'], 'miss', Object.keys(variant).join());
    seen.add(res.rawPayload.toString('base64'));
  }
  t.equal(seen.size, 4, 'each variant has its own bytes');
  const plain = await generate(app, { class: 'owl', steps: 3, seed: 21 });
  t.equal(plain.headers['x-cache'], 'miss', 'without the image: another key');
});

t.test('/models says the model takes images, and which provider encodes', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR });
  t.teardown(() => app.close());
  t.match((await app.inject('/models')).json().models[0], { imageInput: true, providers: { step: 'cpu', decode: 'cpu', encode: 'cpu' }, limits: { imageBodyLimit: 8388608 } });
});

// Bad image input: each a 4xx JSON error naming the field and the problem, refused before anything is
// queued, while a generation in flight finishes with its own bytes. Image bodies have their own limit;
// a model without an encoder says so.
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { ORACLE_DIR, bombPng, copyModel, generate, imageOf, metricValue, readyApp } from '../helpers.js';

const b64 = (bytes: Buffer): string => bytes.toString('base64');
const post = (app: FastifyInstance, url: string, payload: object) => app.inject({ method: 'POST', url, payload });

t.test('every bad image input is a 4xx naming the field; a generation in flight is untouched', async (t) => {
  const app = await readyApp({ cacheBytes: 0 });
  t.teardown(() => app.close());
  const image = b64(await imageOf(8, 8, (x, y) => [x * 30, y * 30, 90]));
  const big = await imageOf(64, 64, (x, y) => [x * 4, y * 4, (x * y) % 256]);
  const gif = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64'); // 1 x 1
  const wideMask = b64(await imageOf(16, 8, () => [255, 255, 255]));
  const cases: [string, string, object, number, string, RegExp][] = [
    ['not base64', '/generate', { class: 0, image: 'not base64!' }, 400, 'INVALID_IMAGE', /^body\/image is not base64/],
    ['data: URL without base64', '/generate', { class: 0, image: 'data:image/png,%89PNG' }, 400, 'INVALID_IMAGE', /^body\/image is a data: URL without ;base64/],
    ['not an image', '/generate', { class: 0, image: b64(Buffer.from('hello, world')) }, 400, 'INVALID_IMAGE', /^body\/image is not an image/],
    ['unsupported format', '/generate', { class: 0, image: b64(gif) }, 400, 'UNSUPPORTED_IMAGE_FORMAT', /^body\/image is GIF, which is not taken here: send PNG, JPEG, WEBP$/],
    ['truncated file', '/generate', { class: 0, image: b64(big.subarray(0, big.length >> 1)) }, 400, 'INVALID_IMAGE', /^body\/image is a truncated or corrupt PNG file/],
    ['decompression bomb', '/generate', { class: 0, image: b64(bombPng(5000, 4000)) }, 400, 'IMAGE_TOO_LARGE', /^body\/image is 5000 x 4000 pixels, more than/],
    ['mask of another aspect ratio', '/generate', { class: 0, image, mask: wideMask }, 400, 'MASK_MISMATCH', /^body\/mask is 16 x 8 pixels .* but the image is 8 x 8/],
    ['mask not a PNG', '/generate', { class: 0, image, mask: b64(await imageOf(8, 8, () => [0, 0, 0], 'jpeg')) }, 400, 'UNSUPPORTED_IMAGE_FORMAT', /^body\/mask is JPEG/],
    ['truncated mask', '/generate', { class: 0, image, mask: b64(big.subarray(0, 30)) }, 400, 'INVALID_IMAGE', /^body\/mask is not a readable PNG/],
    ['strength without image', '/generate', { class: 0, strength: 0.5 }, 400, 'INVALID_OPTION', /^body\/strength needs body\/image/],
    ['mask without image', '/generate', { class: 0, mask: wideMask }, 400, 'INVALID_OPTION', /^body\/mask needs body\/image/],
    ['strength 0', '/generate', { class: 0, image, strength: 0 }, 400, 'INVALID_REQUEST', /^body\/strength must be > 0$/],
    ['strength above 1', '/generate', { class: 0, image, strength: 1.5 }, 400, 'INVALID_REQUEST', /^body\/strength must be <= 1$/],
    ['empty image', '/generate', { class: 0, image: '' }, 400, 'INVALID_REQUEST', /^body\/image must NOT have fewer than 1 characters$/],
    ['stream: bomb', '/generate/stream', { class: 0, image: b64(bombPng(5000, 4000)) }, 400, 'IMAGE_TOO_LARGE', /^body\/image is 5000 x 4000 pixels/],
    ['stream: strength without image', '/generate/stream', { class: 0, strength: 1 }, 400, 'INVALID_OPTION', /^body\/strength needs body\/image/],
    ['encode: not an image', '/encode', { image: b64(Buffer.from('<html></html>')) }, 400, 'INVALID_IMAGE', /^body\/image is not an image/],
    ['encode: truncated', '/encode', { image: b64(big.subarray(0, 200)) }, 400, 'INVALID_IMAGE', /^body\/image is a truncated or corrupt PNG/],
    ['encode: no image', '/encode', {}, 400, 'INVALID_REQUEST', /^body must have required property 'image'$/],
    ['encode: unknown field', '/encode', { image, strength: 0.5 }, 400, 'INVALID_REQUEST', /^body has an unknown field "strength"$/],
  ];
  const inFlightBody = { class: 'green', steps: 400, seed: 31 };
  const alone = await generate(app, inFlightBody);
  const inFlight = generate(app, inFlightBody);
  const answers = await Promise.all(cases.map(([, url, body]) => post(app, url, body)));
  cases.forEach(([name, , , status, code, message], i) => {
    const res = answers[i]!;
    t.equal(res.statusCode, status, name);
    t.match(res.headers['content-type'], /^application\/json/, `${name}: JSON`);
    t.match(res.json(), { statusCode: status, code, message }, name);
  });
  const finished = await inFlight;
  t.equal(finished.statusCode, 200);
  t.same(finished.rawPayload, alone.rawPayload, 'the generation in flight gave its own bytes');
  t.equal(await metricValue(app, 'purrception_encode_batch_size'), 0, 'nothing was encoded');
  t.equal((await post(app, '/generate', { class: 0, image })).statusCode, 200, 'a good image still works');
});

t.test('image bodies have their own limit (IMAGE_BODY_LIMIT); others keep BODY_LIMIT', async (t) => {
  const app = await readyApp({ bodyLimit: 1024, imageBodyLimit: 4096 });
  t.teardown(() => app.close());
  const image = b64(await imageOf(8, 8, (x, y) => [x * 30, y * 30, 90]));
  const padded = (bytes: number) => `${image}${' '.repeat(bytes - image.length)}`; // whitespace in base64 is ignored
  const ok = await post(app, '/generate', { class: 0, image: padded(3000) });
  t.equal(ok.statusCode, 200, 'a 3 KB body with an image, over BODY_LIMIT');
  t.equal((await post(app, '/encode', { image: padded(3000) })).statusCode, 200, '/encode too');
  for (const url of ['/generate', '/generate/stream', '/encode']) {
    const res = await post(app, url, { class: 0, image: padded(5000) });
    t.equal(res.statusCode, 413, url);
    t.match(res.json(), { code: 'BODY_TOO_LARGE', message: 'The request body is larger than the limit of 4096 bytes (IMAGE_BODY_LIMIT) for a body with an image' }, url);
  }
  const noImage = await post(app, '/generate', { class: 0, pad: 'x'.repeat(2000) });
  t.equal(noImage.statusCode, 413);
  t.match(noImage.json(), {
    code: 'BODY_TOO_LARGE',
    message: 'The request body is larger than the limit of 1024 bytes (BODY_LIMIT); a body with an image may have up to 4096 bytes (IMAGE_BODY_LIMIT)',
  });
  t.match((await app.inject('/models')).json().models[0], { limits: { bodyLimit: 1024, imageBodyLimit: 4096, maxInputPixels: 4096 * 4096 } });
  t.equal(loadConfig({}, []).imageBodyLimit, 8 * 1024 * 1024, '8 MiB by default');
  t.equal(loadConfig({ IMAGE_BODY_LIMIT: '65536' }, ['--image-body-limit', '131072']).imageBodyLimit, 131072, 'the flag beats the environment');
  t.throws(() => loadConfig({ BODY_LIMIT: '4096', IMAGE_BODY_LIMIT: '2048' }, []), { code: 'CONFIG_INVALID', message: /IMAGE_BODY_LIMIT \(2048\) must be at least BODY_LIMIT \(4096\)/ });
});

t.test('a model without an encoder: image requests get a 4xx saying so; the rest works', async (t) => {
  const dir = copyModel(t, ORACLE_DIR, (_dir, manifest) => delete (manifest['graphs'] as Record<string, unknown>)['encode']);
  const app = await readyApp({ modelDir: dir });
  t.teardown(() => app.close());
  const models = (await app.inject('/models')).json().models[0];
  t.equal(models.imageInput, false);
  t.same(models.providers, { step: 'cpu', decode: 'cpu' });
  const image = b64(await imageOf(8, 8, () => [10, 20, 30]));
  for (const [url, body] of [['/generate', { class: 0, image }], ['/generate/stream', { class: 0, image }], ['/encode', { image }]] as const) {
    const res = await post(app, url, body);
    t.equal(res.statusCode, 400, url);
    t.match(res.json(), { code: 'NO_ENCODER', message: /^body\/image cannot be used: the model oracle has no encoder/ }, url);
  }
  t.equal((await generate(app, { class: 0 })).statusCode, 200, 'generation from noise still works');
});

// Client images -> model input: format by signature, pixel limit before decoding, EXIF orientation,
// flattening over white, cover + centre crop; masks -> latent cells (painted by opacity or by
// whiteness, any touching pixel, cropped like the image). Every error names the field.
import sharp from 'sharp';
import t from 'tap';
import { readInputImage, readMask } from '../../src/image/input.js';
import { bombPng, imageOf } from '../helpers.js';

const SIZE = { width: 8, height: 8 };
const GRID = { height: 4, width: 4 };
const rgb = (bytes: Uint8Array, x: number, y: number, width = 8): number[] => Array.from(bytes.subarray((y * width + x) * 3, (y * width + x) * 3 + 3));

t.test('an image of the model size is taken as is; PNG, JPEG and WebP', async (t) => {
  const colour = (x: number, y: number) => [x * 30, y * 30, 255 - x * y];
  const { pixels, source } = await readInputImage(await imageOf(8, 8, colour), SIZE, 'body/image');
  t.same(source, SIZE);
  let same = true;
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) same &&= rgb(pixels, x, y).join() === colour(x, y).join();
  t.ok(same, 'every pixel unchanged');
  for (const format of ['jpeg', 'webp'] as const) {
    const read = await readInputImage(await imageOf(20, 10, () => [200, 40, 40], format), SIZE, 'body/image');
    t.same(read.source, { width: 20, height: 10 }, format);
    t.equal(read.pixels.length, 8 * 8 * 3, `${format}: RGB at the model size`);
  }
});

t.test('transparency is flattened over white; grey images become RGB', async (t) => {
  const rgba = await imageOf(8, 8, (x) => (x < 4 ? [0, 0, 0, 0] : [0, 0, 255, 255]));
  const { pixels } = await readInputImage(rgba, SIZE, 'body/image');
  t.same(rgb(pixels, 1, 1), [255, 255, 255], 'transparent -> white');
  t.same(rgb(pixels, 6, 1), [0, 0, 255], 'opaque kept');
  const grey = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#404040' } }).toColourspace('b-w').png().toBuffer();
  t.same(rgb((await readInputImage(grey, SIZE, 'body/image')).pixels, 3, 3), [64, 64, 64]);
});

t.test('scaled to cover the model size and cropped at the centre', async (t) => {
  // 24 x 8: red, green and blue thirds; the centre 8 x 8 is green.
  const wide = await imageOf(24, 8, (x) => (x < 8 ? [255, 0, 0] : x < 16 ? [0, 255, 0] : [0, 0, 255]));
  const { pixels, source } = await readInputImage(wide, SIZE, 'body/image');
  t.same(source, { width: 24, height: 8 });
  t.same([rgb(pixels, 0, 0), rgb(pixels, 7, 7)], [[0, 255, 0], [0, 255, 0]], 'the sides are cropped away');
  const tall = await imageOf(16, 48, (_x, y) => (y < 16 ? [255, 0, 0] : y < 32 ? [0, 0, 0] : [0, 0, 255]));
  t.same(rgb((await readInputImage(tall, SIZE, 'body/image')).pixels, 4, 4), [0, 0, 0], 'a tall image keeps its middle');
});

t.test('EXIF orientation is applied before the crop', async (t) => {
  // Stored 16 x 8 (left half red), orientation 6: shown rotated 90 degrees clockwise, 8 x 16, red on top.
  const stored = await sharp(await imageOf(16, 8, (x) => (x < 8 ? [255, 0, 0] : [0, 0, 255])))
    .jpeg({ quality: 100 })
    .withMetadata({ orientation: 6 })
    .toBuffer();
  const { pixels, source } = await readInputImage(stored, { width: 8, height: 16 }, 'body/image');
  t.same(source, { width: 8, height: 16 });
  const [top, bottom] = [rgb(pixels, 4, 2), rgb(pixels, 4, 13)];
  t.ok(top[0]! > 200 && top[2]! < 50, `red on top ${top}`);
  t.ok(bottom[2]! > 200 && bottom[0]! < 50, `blue at the bottom ${bottom}`);
});

t.test('bad images: named field, what is wrong, the right code', async (t) => {
  const png = await imageOf(64, 64, (x, y) => [x * 4, y * 4, (x * y) % 256]);
  const gif = await sharp(Buffer.alloc(8 * 8 * 3), { raw: { width: 8, height: 8, channels: 3 } }).gif().toBuffer();
  const cases: [string, Buffer, string, RegExp][] = [
    ['random bytes', Buffer.from('definitely not an image'), 'INVALID_IMAGE', /^body\/image is not an image: its bytes start like none of PNG, JPEG, WEBP$/],
    ['empty', Buffer.alloc(0), 'INVALID_IMAGE', /is not an image/],
    ['GIF', gif, 'UNSUPPORTED_IMAGE_FORMAT', /^body\/image is GIF, which is not taken here: send PNG, JPEG, WEBP$/],
    ['SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>'), 'UNSUPPORTED_IMAGE_FORMAT', /is SVG/],
    ['truncated PNG', png.subarray(0, Math.floor(png.length / 2)), 'INVALID_IMAGE', /^body\/image is a truncated or corrupt PNG file/],
    ['PNG signature only', png.subarray(0, 8), 'INVALID_IMAGE', /^body\/image is not a readable PNG file/],
    ['bomb', bombPng(5000, 4000), 'IMAGE_TOO_LARGE', /^body\/image is 5000 x 4000 pixels, more than the 16777216 pixels \(4096 x 4096\)/],
  ];
  for (const [name, bytes, code, message] of cases) {
    await t.rejects(readInputImage(bytes, SIZE, 'body/image'), { code, statusCode: 400, message }, name);
  }
  const jpeg = await imageOf(64, 64, (x, y) => [x * 4, y * 4, 0], 'jpeg');
  await t.rejects(readInputImage(jpeg.subarray(0, jpeg.length - 200), SIZE, 'body/image'), { code: 'INVALID_IMAGE', message: /truncated or corrupt JPEG/ });
  t.ok((await readInputImage(bombPng(4096, 4096), SIZE, 'body/image')).pixels.length > 0, 'at the limit: decoded');
});

const cellsOf = (mask: Uint8Array): string => Array.from({ length: 4 }, (_, i) => Array.from(mask.subarray(i * 4, i * 4 + 4)).join('')).join('/');

t.test('masks: white on black, or opaque on transparent; any pixel touching a cell regenerates it', async (t) => {
  const black = [0, 0, 0];
  const white = [255, 255, 255];
  // 8 x 8 over a 4 x 4 grid: one white pixel at (3, 2) lies in cell (1, 1).
  const one = await imageOf(8, 8, (x, y) => (x === 3 && y === 2 ? white : black));
  t.equal(cellsOf(await readMask(one, SIZE, GRID, SIZE, 'body/mask')), '0000/0100/0000/0000');
  // With transparency the colour does not matter: opaque red strokes count, transparent white does not.
  const strokes = await imageOf(8, 8, (x, y) => (y === 7 ? [255, 0, 0, 255] : x === 0 ? [255, 255, 255, 0] : [0, 0, 0, 0]));
  t.equal(cellsOf(await readMask(strokes, SIZE, GRID, SIZE, 'body/mask')), '0000/0000/0000/1111');
  // Drawn at 10x the image's size: pixel 19 is the last of cell 0, pixel 20 the first of cell 1.
  const large = await imageOf(80, 80, (x, y) => ((x === 19 && y === 0) || (x === 20 && y === 79) ? white : black));
  t.equal(cellsOf(await readMask(large, SIZE, GRID, SIZE, 'body/mask')), '1000/0000/0000/0100');
  // At a quarter of it (2 x 2), one mask pixel covers four cells.
  const small = await imageOf(2, 2, (x, y) => (x === 1 && y === 1 ? white : black));
  t.equal(cellsOf(await readMask(small, SIZE, GRID, SIZE, 'body/mask')), '0000/0000/0011/0011');
});

t.test('a mask is cropped like its image; another aspect ratio is refused', async (t) => {
  // A 12 x 8 image loses 2 columns each side: mask pixel x = 1 is cropped away, x = 2 is cell column 0.
  const image = { width: 12, height: 8 };
  const mask = await imageOf(12, 8, (x, y) => ((x === 1 && y === 0) || (x === 2 && y === 7) ? [255, 255, 255] : [0, 0, 0]));
  t.equal(cellsOf(await readMask(mask, image, GRID, SIZE, 'body/mask')), '0000/0000/0000/1000');
  const scaled = await imageOf(25, 17, () => [0, 0, 0]); // 12 x 8 drawn 25 x 17: within a pixel of rounding
  t.equal(cellsOf(await readMask(scaled, image, GRID, SIZE, 'body/mask')), '0000/0000/0000/0000');
  await t.rejects(readMask(await imageOf(8, 8, () => [0, 0, 0]), image, GRID, SIZE, 'body/mask'), {
    code: 'MASK_MISMATCH',
    message: 'body/mask is 8 x 8 pixels (aspect ratio 1.000) but the image is 12 x 8 (1.500): the mask must have the image\'s aspect ratio',
  });
  await t.rejects(readMask(await imageOf(12, 8, () => [0, 0, 0], 'jpeg'), image, GRID, SIZE, 'body/mask'), {
    code: 'UNSUPPORTED_IMAGE_FORMAT',
    message: /^body\/mask is JPEG, which is not taken here: send PNG$/,
  });
});

// The Euler loop against an independent oracle: the oracle model's logits ignore z and t (below
// t = 0.99), so mu is constant and the sampler must end exactly on it. Expected codes and pixels are
// recomputed here in float64 from oracle.json alone: guidance, temperature, softmax, barycenter,
// nearest code, palette; and, for image input, the encoder's cell averages and nearest colours.
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import t from 'tap';
import { ORACLE_DIR, decodePng, generate, readyApp } from '../helpers.js';

interface Oracle {
  table: number[][][][]; // [class incl. null][K][h][w]
  codebook: number[][]; // [K][C]
  palette: number[][]; // [K][3] in [-1, 1] (some beyond, to test clamping)
  denoise_from: number; // from this t on, the logits also hold the likelihood of z
}
const oracle = JSON.parse(readFileSync(`${ORACLE_DIR}/oracle.json`, 'utf8')) as Oracle;
const NULL = oracle.table.length - 1;
const SIDE = 4;
const SCALE = 2;

/** pi at position p:  l = l_u + cfg (l_c - l_u);  pi = softmax(l / tau). */
function posterior(classId: number, cfg: number, tau: number, p: number): number[] {
  const K = oracle.codebook.length;
  const [i, j] = [Math.floor(p / SIDE), p % SIDE];
  const logits = Array.from({ length: K }, (_, k) => {
    const lu = oracle.table[NULL]![k]![i]![j]!;
    const lc = oracle.table[classId]![k]![i]![j]!;
    return (lu + cfg * (lc - lu)) / tau;
  });
  const max = Math.max(...logits);
  const weights = logits.map((l) => Math.exp(l - max));
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}

/** Entropy of pi in nats at every position. */
function entropies(classId: number, cfg: number, tau: number): number[] {
  return Array.from({ length: SIDE * SIDE }, (_, p) => -posterior(classId, cfg, tau, p).reduce((sum, q) => sum + (q > 0 ? q * Math.log(q) : 0), 0));
}

/** Expected code per position, or -1 where two codes are too close to call in float32. */
function expectedCodes(classId: number, cfg: number, tau: number): number[] {
  const codes: number[] = [];
  for (let p = 0; p < SIDE * SIDE; p++) {
    // mu = sum_k pi_k e_k, then the nearest code
    const pi = posterior(classId, cfg, tau, p);
    const mu = oracle.codebook[0]!.map((_, c) => pi.reduce((sum, w, k) => sum + w * oracle.codebook[k]![c]!, 0));
    const distances = oracle.codebook.map((e) => e.reduce((sum, v, c) => sum + (mu[c]! - v) ** 2, 0));
    const sorted = [...distances].sort((a, b) => a - b);
    codes.push(sorted[1]! - sorted[0]! < 1e-4 ? -1 : distances.indexOf(sorted[0]!));
  }
  return codes;
}

const toByte = (x: number): number => Math.round(Math.min(1, Math.max(0, (x + 1) / 2)) * 255);

/** Pixels that differ from the palette colour of their position's expected code (ambiguous ones skipped). */
function countMismatches(data: Buffer, width: number, height: number, codes: number[]): number {
  let mismatches = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const code = codes[Math.floor(y / SCALE) * SIDE + Math.floor(x / SCALE)]!;
      if (code < 0) continue;
      const want = oracle.palette[code]!.map(toByte);
      const got = [...data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)];
      if (want.some((v, ch) => v !== got[ch])) mismatches++;
    }
  }
  return mismatches;
}

t.test('PNG pixels equal the oracle for several class, cfg and tau', async (t) => {
  const app = await readyApp();
  t.teardown(() => app.close());
  const cases = [
    { class: 0, cfg: 0, tau: 1 }, // unconditional: the null class alone
    { class: 1, cfg: 1, tau: 0.5 }, // plain conditional, sharpened
    { class: 2, cfg: 1.3, tau: 0.9 }, // the paper's defaults
    { class: 0, cfg: 4, tau: 2.5 }, // strong guidance, flattened
    { class: 'blue', cfg: 0.5, tau: 0.2 },
  ];
  const seen = new Set<string>();
  for (const c of cases) {
    const classId = typeof c.class === 'number' ? c.class : 2;
    const res = await generate(app, { ...c, steps: 7, seed: 11 });
    t.equal(res.statusCode, 200, JSON.stringify(c));
    const { data, width, height, channels } = await decodePng(res.rawPayload);
    t.same([width, height, channels], [SIDE * SCALE, SIDE * SCALE, 3]);
    const codes = expectedCodes(classId, c.cfg, c.tau);
    t.ok(codes.filter((k) => k < 0).length <= 1, 'at most one ambiguous position');
    const mismatches = countMismatches(data, width, height, codes);
    t.equal(mismatches, 0, `pixels match for ${JSON.stringify(c)}`);
    seen.add(res.rawPayload.toString('base64'));
  }
  t.equal(seen.size, cases.length, 'every (class, cfg, tau) gives a different image');
});

t.test('cfg 0 ignores the class: every class gives the null-class image', async (t) => {
  const app = await readyApp();
  t.teardown(() => app.close());
  const images = await Promise.all([0, 1, 2].map((c) => generate(app, { class: c, cfg: 0, seed: 5 })));
  t.same(images[1]!.rawPayload, images[0]!.rawPayload);
  t.same(images[2]!.rawPayload, images[0]!.rawPayload);
});

t.test('a tau schedule is evaluated at each step\'s t: the image is the oracle at tau((T-1)/T), for Euler and Heun', async (t) => {
  const app = await readyApp();
  t.teardown(() => app.close());
  const [classId, cfg, steps] = [1, 1.3, 5];
  const schedule = { start: 0.2, end: 3 };
  const last = schedule.start + (schedule.end - schedule.start) * ((steps - 1) / steps); // 2.44
  const codes = expectedCodes(classId, cfg, last);
  t.notSame(codes, expectedCodes(classId, cfg, schedule.start), 'the schedule matters: not the start value');
  t.notSame(codes, expectedCodes(classId, cfg, schedule.end), 'nor the end value (t never reaches 1)');
  for (const sampler of ['euler', 'heun']) {
    const res = await generate(app, { class: classId, cfg, steps, tau: schedule, sampler, seed: 3 });
    t.equal(res.statusCode, 200);
    const { data, width, height } = await decodePng(res.rawPayload);
    t.equal(countMismatches(data, width, height, codes), 0, `${sampler}: pixels are the oracle's at tau = ${last}`);
  }
});

t.test('entropy follows tau(t): the trajectory mean and the map at a step equal the oracle\'s', async (t) => {
  const app = await readyApp();
  t.teardown(() => app.close());
  const [classId, cfg, steps] = [2, 0.8, 4];
  const schedule = { start: 0.3, end: 4 };
  const tauOf = (s: number) => schedule.start + (schedule.end - schedule.start) * (s / steps);
  const perStep = Array.from({ length: steps }, (_, s) => entropies(classId, cfg, tauOf(s)));
  const meanOf = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  const expectedMean = meanOf(perStep.map(meanOf));
  for (const sampler of ['euler', 'heun']) {
    const res = await app.inject({
      method: 'POST',
      url: '/generate',
      headers: { accept: 'application/json' },
      payload: { class: classId, cfg, steps, tau: schedule, sampler, seed: 1, uncertainty: true, uncertaintyStep: 2 },
    });
    t.equal(res.statusCode, 200);
    const [image] = res.json().images;
    t.ok(Math.abs(image.meanEntropy - expectedMean) < 1e-5, `${sampler}: mean entropy ${image.meanEntropy} vs ${expectedMean}`);
    t.ok(Math.abs(image.uncertainty.mean - expectedMean) < 1e-5, 'the map\'s mean is the mean entropy');
    const mapMax = Math.max(...perStep[0]!.map((_, p) => meanOf(perStep.map((h) => h[p]!))));
    t.ok(Math.abs(image.uncertainty.max - mapMax) < 1e-5, `max ${image.uncertainty.max} vs ${mapMax}`);
    t.equal(image.uncertainty.atStep.step, 2);
    t.ok(Math.abs(image.uncertainty.atStep.mean - meanOf(perStep[2]!)) < 1e-5, 'at step 2: the oracle at tau(0.5)');
    t.ok(Math.abs(image.uncertainty.atStep.max - Math.max(...perStep[2]!)) < 1e-5);
    t.ok(Math.abs(image.uncertainty.colormapMax - Math.log(oracle.codebook.length)) < 1e-12);
  }
});

// ---- Starting from an image ------------------------------------------------------------------
// The oracle's encoder averages each cell's SCALE x SCALE pixels and takes the nearest palette colour
// as the decoder shows it (clamped); below t = denoise_from its logits ignore z, above it they add the
// likelihood of z given each code, so a sample started near t = 1 ends on the image's codes.

const shown = oracle.palette.map((colour) => colour.map((v) => Math.min(1, Math.max(-1, v))));

/** Expected code per cell of an RGB image of the model's size, or -1 where two colours are too close to call. */
function encodedCodes(rgb: Buffer): number[] {
  const width = SIDE * SCALE;
  return Array.from({ length: SIDE * SIDE }, (_, p) => {
    const [i, j] = [Math.floor(p / SIDE), p % SIDE];
    const cell = [0, 1, 2].map((c) => {
      let sum = 0;
      for (let dy = 0; dy < SCALE; dy++) for (let dx = 0; dx < SCALE; dx++) sum += rgb[((i * SCALE + dy) * width + j * SCALE + dx) * 3 + c]! / 127.5 - 1;
      return sum / (SCALE * SCALE);
    });
    const distances = shown.map((colour) => colour.reduce((sum, v, c) => sum + (cell[c]! - v) ** 2, 0));
    const sorted = [...distances].sort((a, b) => a - b);
    return sorted[1]! - sorted[0]! < 1e-4 ? -1 : distances.indexOf(sorted[0]!);
  });
}

/** An 8 x 8 test picture: some cells in a palette colour, some in others, pixels varying inside each cell. */
const PICTURE = Buffer.alloc(8 * 8 * 3);
for (let y = 0; y < 8; y++) {
  for (let x = 0; x < 8; x++) {
    const p = Math.floor(y / SCALE) * SIDE + Math.floor(x / SCALE);
    const base = p % 3 === 0 ? oracle.palette[p % 6]!.map(toByte) : [(p * 53) % 256, (p * 97) % 256, (p * 151) % 256];
    PICTURE.set(base.map((v) => Math.min(255, Math.max(0, v + ((x + y) % 2 === 0 ? 6 : -6)))), (y * 8 + x) * 3);
  }
}
const picture = async (): Promise<string> => (await sharp(PICTURE, { raw: { width: 8, height: 8, channels: 3 } }).png().toBuffer()).toString('base64');

const asJson = (app: Awaited<ReturnType<typeof readyApp>>, body: object) =>
  app.inject({ method: 'POST', url: '/generate', headers: { accept: 'application/json' }, payload: body });

t.test('POST /encode: the oracle\'s codes, the input as sent, the palette reconstruction, its PSNR and code usage', async (t) => {
  const app = await readyApp();
  t.teardown(() => app.close());
  const image = await picture();
  const res = await app.inject({ method: 'POST', url: '/encode', payload: { image } });
  t.equal(res.statusCode, 200);
  const answer = res.json();
  const codes = encodedCodes(PICTURE);
  t.notOk(codes.includes(-1), 'no cell too close to call');
  t.same(answer.codes, [0, 1, 2, 3].map((i) => codes.slice(i * SIDE, (i + 1) * SIDE)), 'codes');
  t.same(answer.width, 8);
  t.same((await decodePng(Buffer.from(answer.input, 'base64'))).data, PICTURE, 'the input as the encoder saw it: unchanged at the model size');
  const reconstruction = (await decodePng(Buffer.from(answer.reconstruction, 'base64'))).data;
  t.equal(countMismatches(reconstruction, 8, 8, codes), 0, 'the reconstruction paints each cell\'s code');
  let squares = 0;
  for (let i = 0; i < PICTURE.length; i++) squares += (PICTURE[i]! - reconstruction[i]!) ** 2;
  const mse = squares / PICTURE.length;
  t.ok(Math.abs(answer.mse - mse) < 1e-9 && Math.abs(answer.psnr - 10 * Math.log10(255 ** 2 / mse)) < 1e-9, `mse ${answer.mse}, psnr ${answer.psnr} dB`);
  const counts = new Map<number, number>();
  for (const code of codes) counts.set(code, (counts.get(code) ?? 0) + 1);
  t.equal(answer.usage.distinct, counts.size);
  t.equal(answer.usage.codebookSize, 6);
  t.same(answer.usage.counts, [...counts].map(([code, cells]) => ({ code, cells })).sort((a, b) => b.cells - a.cells || a.code - b.code));
  // Encoding the reconstruction gives it back: the same codes, PSNR infinite (null).
  const again = (await app.inject({ method: 'POST', url: '/encode', payload: { image: `data:image/png;base64,${answer.reconstruction}` } })).json();
  t.same([again.codes, again.reconstruction, again.mse, again.psnr], [answer.codes, answer.reconstruction, 0, null], 'a data: URL of the reconstruction');
});

t.test('strength near 0 returns the tokenizer\'s reconstruction, whatever the class, sampler and steps', async (t) => {
  const app = await readyApp();
  t.teardown(() => app.close());
  const image = await picture();
  const { reconstruction } = (await app.inject({ method: 'POST', url: '/encode', payload: { image } })).json();
  for (const [c, sampler, steps, strength] of [['red', 'euler', 1, 0.001], ['blue', 'heun', 5, 0.005], ['green', 'euler', 20, 0.001]] as const) {
    const res = await generate(app, { class: c, sampler, steps, strength, image, seed: 4 });
    t.equal(res.statusCode, 200);
    t.equal(res.rawPayload.toString('base64'), reconstruction, `${c}, ${sampler}, ${steps} steps, strength ${strength}: the reconstruction's bytes`);
  }
  const fromNoise = await generate(app, { class: 'red', steps: 1, seed: 4 });
  t.not(fromNoise.rawPayload.toString('base64'), reconstruction, 'without the image, the class\'s own picture');
});

t.test('with a mask: kept cells are the image\'s codes and pixels exactly, the others the class oracle\'s', async (t) => {
  const app = await readyApp();
  t.teardown(() => app.close());
  const image = await picture();
  const encoded = encodedCodes(PICTURE);
  const mask = await sharp(Buffer.from(Array.from({ length: 64 }, (_, p) => (p % 8 < 4 ? [255, 255, 255] : [0, 0, 0])).flat()), { raw: { width: 8, height: 8, channels: 3 } })
    .png()
    .toBuffer(); // the left half: latent columns 0 and 1
  const [classId, cfg, tau] = [1, 1.3, 0.9];
  const regenerated = expectedCodes(classId, cfg, tau);
  const want = encoded.map((code, p) => (p % SIDE < 2 ? regenerated[p]! : code));
  t.notSame(want, encoded, 'the mask changes something');
  for (const [sampler, strength] of [['euler', 1], ['heun', 0.5]] as const) {
    // Every evaluation is at t < 0.99, where the oracle ignores z: the regenerated cells end on mu.
    const res = await asJson(app, { class: classId, cfg, tau, steps: 4, sampler, strength, image, mask: mask.toString('base64'), codes: true, seed: 8 });
    t.equal(res.statusCode, 200);
    const [result] = res.json().images;
    const codes = (result.codes as number[][]).flat();
    t.same(codes.filter((_, p) => p % SIDE >= 2), encoded.filter((_, p) => p % SIDE >= 2), `${sampler} ${strength}: kept codes are the image's`);
    t.same(codes.map((code, p) => (want[p]! < 0 ? -1 : code)), want, `${sampler} ${strength}: regenerated codes are the class's`);
    const { data } = await decodePng(Buffer.from(result.data, 'base64'));
    t.equal(countMismatches(data, 8, 8, want), 0, `${sampler} ${strength}: pixels`);
  }
});

t.test('from an image the time grid runs over [t0, 1]: a tau schedule ends at tau(t0 + (1 - t0)(T - 1)/T)', async (t) => {
  const app = await readyApp();
  t.teardown(() => app.close());
  const image = await picture();
  const [classId, cfg, steps, strength] = [0, 1, 5, 0.5];
  const schedule = { start: 0.1, end: 1.5 };
  const tauAt = (time: number) => schedule.start + (schedule.end - schedule.start) * time;
  const last = 1 - strength + strength * ((steps - 1) / steps); // 0.9: below denoise_from, so mu ignores z
  t.ok(last < oracle.denoise_from);
  const codes = expectedCodes(classId, cfg, tauAt(last));
  t.notSame(codes, expectedCodes(classId, cfg, tauAt((steps - 1) / steps)), 'not the grid of a start from noise');
  for (const sampler of ['euler', 'heun']) {
    const res = await generate(app, { class: classId, cfg, steps, tau: schedule, sampler, image, strength, seed: 2 });
    const { data, width, height } = await decodePng(res.rawPayload);
    t.equal(countMismatches(data, width, height, codes), 0, `${sampler}: pixels are the oracle's at tau(${last})`);
  }
});

// The Euler loop against an independent oracle: the oracle model's logits ignore z and t, so mu is
// constant and the sampler must end exactly on it. Expected codes and pixels are recomputed here in
// float64 from oracle.json alone: guidance, temperature, softmax, barycenter, nearest code, palette.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { ORACLE_DIR, decodePng, generate, readyApp } from '../helpers.js';

interface Oracle {
  table: number[][][][]; // [class incl. null][K][h][w]
  codebook: number[][]; // [K][C]
  palette: number[][]; // [K][3] in [-1, 1] (some beyond, to test clamping)
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

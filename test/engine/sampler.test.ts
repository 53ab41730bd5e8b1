import t from 'tap';
import { evaluationsFor, eulerUpdate, heunCorrect, heunPredict, tauAt, timeAt, toRgbBytes, velocity } from '../../src/engine/sampler.js';

t.test('time grid is s / T', async (t) => {
  t.same([0, 1, 2, 3].map((s) => timeAt(s, 4)), [0, 0.25, 0.5, 0.75]);
});

t.test('one Euler step follows v = (mu - z) / (1 - t), z += v / T', async (t) => {
  const z = Float32Array.from([1, -2]);
  eulerUpdate(z, Float32Array.from([3, 2]), 0.5, 4); // scale = (1/4) / 0.5 = 0.5
  t.same(Array.from(z), [2, 0]);
});

t.test('the last step lands on mu whatever z was', async (t) => {
  for (const steps of [1, 2, 7, 50, 1000]) {
    const z = Float32Array.from([0.3, -1.7, 5.25, 1e-3]);
    const mu = Float32Array.from([-0.25, 0.5, 1.125, -2]);
    eulerUpdate(z, mu, timeAt(steps - 1, steps), steps);
    t.same(Array.from(z), Array.from(mu), `T = ${steps}`);
  }
});

t.test('with a constant mu the whole trajectory converges to mu', async (t) => {
  const steps = 10;
  const z = Float32Array.from([2, -3, 0.5]);
  const mu = Float32Array.from([0.1, 0.2, 0.3]);
  for (let s = 0; s < steps; s++) eulerUpdate(z, mu, timeAt(s, steps), steps);
  t.same(Array.from(z), Array.from(mu));
});

t.test('pixels: round(clamp((x + 1) / 2, 0, 1) * 255), CHW -> HWC', async (t) => {
  // 1 x 2 image: channel planes R = [-1, 1], G = [0, 2], B = [-3, 0.5]
  const image = Float32Array.from([-1, 1, 0, 2, -3, 0.5]);
  t.same(Array.from(toRgbBytes(image, 1, 2)), [0, 128, 0, 255, 255, 191]);
});

// ---- temperature schedule ----------------------------------------------------------------------

t.test('tau(t): a number is constant; {start, end} is linear in t', async (t) => {
  t.same([0, 0.3, 0.99].map((time) => tauAt(0.7, time)), [0.7, 0.7, 0.7]);
  const schedule = { start: 2, end: 0.5 };
  t.equal(tauAt(schedule, 0), 2);
  t.equal(tauAt(schedule, 1), 0.5);
  t.equal(tauAt(schedule, 0.5), 1.25);
  t.equal(tauAt(schedule, timeAt(3, 4)), 2 - 1.5 * 0.75, 'at the grid time of the last step, not at t = 1');
});

t.test('evaluations: Euler T, Heun 2T - 1', async (t) => {
  t.same([1, 2, 10].map((T) => evaluationsFor('euler', T)), [1, 2, 10]);
  t.same([1, 2, 10].map((T) => evaluationsFor('heun', T)), [1, 3, 19]);
});

// ---- Heun ---------------------------------------------------------------------------------------

t.test('Heun: z\' = z + h v1, v2 = (mu2 - z\') / (1 - t - h), z += (h/2)(v1 + v2)', async (t) => {
  // z = 1, mu1 = 3 at t = 0, T = 4 (h = 0.25): v1 = 2, z' = 1.5; mu2 = 0.5 at t = 0.25: v2 = -4/3
  const z = Float32Array.from([1]);
  const v1 = velocity(new Float32Array(1), z, Float32Array.from([3]), 0);
  t.same(Array.from(v1), [2]);
  const predicted = heunPredict(new Float32Array(1), z, v1, 4);
  t.same(Array.from(predicted), [1.5]);
  t.same(Array.from(z), [1], 'the predictor leaves z alone');
  heunCorrect(z, v1, predicted, Float32Array.from([0.5]), 0, 4);
  t.ok(Math.abs(z[0]! - (1 + 0.125 * (2 - 4 / 3))) < 1e-6, `z = ${z[0]}`);
});

t.test('Heun is exact where Euler is: with a constant mu both follow z(t) = mu + (z0 - mu)(1 - t)', async (t) => {
  const steps = 5;
  const z0 = [2, -3];
  const mu = Float32Array.from([0.5, 1]);
  const z = Float32Array.from(z0);
  for (let s = 0; s < steps - 1; s++) {
    const time = timeAt(s, steps);
    const v1 = velocity(new Float32Array(2), z, mu, time);
    const predicted = heunPredict(new Float32Array(2), z, v1, steps);
    heunCorrect(z, v1, predicted, mu, time, steps);
    const next = timeAt(s + 1, steps);
    z0.forEach((value, i) => t.ok(Math.abs(z[i]! - (mu[i]! + (value - mu[i]!) * (1 - next))) < 1e-5, `step ${s} dim ${i}`));
  }
  eulerUpdate(z, mu, timeAt(steps - 1, steps), steps); // the last step: Euler, landing on mu
  t.same(Array.from(z), Array.from(mu));
});

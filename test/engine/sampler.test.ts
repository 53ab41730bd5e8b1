import t from 'tap';
import {
  evaluationsFor,
  eulerUpdate,
  guidedAt,
  heunCorrect,
  heunPredict,
  gridProblem,
  logSnrMultistepUpdate,
  multistepUpdate,
  stepSize,
  tauAt,
  timeAt,
  toRgbBytes,
  velocity,
  type GridName,
  type MuHistory,
} from '../../src/engine/sampler.js';

t.test('time grid is s / T', async (t) => {
  t.same([0, 1, 2, 3].map((s) => timeAt(s, 4)), [0, 0.25, 0.5, 0.75]);
  t.same([0, 1, 2, 3].map((s) => stepSize(s, 4)), [0.25, 0.25, 0.25, 0.25]);
});

t.test('quadratic grid: t = 1 - (1 - s/T)^2, steps shrink towards t = 1 and cover [t0, 1]', async (t) => {
  t.same([0, 1, 2, 3, 4].map((s) => timeAt(s, 4, 0, 'quadratic')), [0, 0.4375, 0.75, 0.9375, 1]);
  const sizes = [0, 1, 2, 3].map((s) => stepSize(s, 4, 0, 'quadratic'));
  t.same(sizes, [0.4375, 0.3125, 0.1875, 0.0625]);
  t.same([0, 4].map((s) => timeAt(s, 4, 0.5, 'quadratic')), [0.5, 1], 'from an image: over [t0, 1]');
  t.equal(timeAt(2, 4, 0.5, 'quadratic'), 0.5 + 0.5 * 0.75);
});

t.test('guidance: cfg 0 and 1 never need the second pass; others inside the interval only', async (t) => {
  t.notOk(guidedAt(0, undefined, 0.5));
  t.notOk(guidedAt(1, undefined, 0.5));
  t.ok(guidedAt(3, undefined, 0.99));
  const interval = { from: 0.2, to: 0.6 };
  t.same([0, 0.19, 0.2, 0.4, 0.6, 0.61, 0.9].map((time) => guidedAt(3, interval, time)), [false, false, true, true, true, false, false]);
});

t.test('one Euler step follows v = (mu - z) / (1 - t), z += h v', async (t) => {
  const z = Float32Array.from([1, -2]);
  eulerUpdate(z, Float32Array.from([3, 2]), 0.5, 1 / 4); // scale = (1/4) / 0.5 = 0.5
  t.same(Array.from(z), [2, 0]);
});

t.test('the last step lands on mu whatever z was', async (t) => {
  for (const steps of [1, 2, 7, 50, 1000]) {
    const z = Float32Array.from([0.3, -1.7, 5.25, 1e-3]);
    const mu = Float32Array.from([-0.25, 0.5, 1.125, -2]);
    eulerUpdate(z, mu, timeAt(steps - 1, steps), stepSize(steps - 1, steps));
    t.same(Array.from(z), Array.from(mu), `T = ${steps}`);
  }
});

t.test('with a constant mu the whole trajectory converges to mu', async (t) => {
  const steps = 10;
  const z = Float32Array.from([2, -3, 0.5]);
  const mu = Float32Array.from([0.1, 0.2, 0.3]);
  for (let s = 0; s < steps; s++) eulerUpdate(z, mu, timeAt(s, steps), stepSize(s, steps));
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

t.test('evaluations: Euler and multistep T, Heun 2T - 1', async (t) => {
  t.same([1, 2, 10].map((T) => evaluationsFor('euler', T)), [1, 2, 10]);
  t.same([1, 2, 10].map((T) => evaluationsFor('multistep', T)), [1, 2, 10]);
  t.same([1, 2, 10].map((T) => evaluationsFor('heun', T)), [1, 3, 19]);
});

// ---- Heun ---------------------------------------------------------------------------------------

t.test('Heun: z\' = z + h v1, v2 = (mu2 - z\') / (1 - t - h), z += (h/2)(v1 + v2)', async (t) => {
  // z = 1, mu1 = 3 at t = 0, T = 4 (h = 0.25): v1 = 2, z' = 1.5; mu2 = 0.5 at t = 0.25: v2 = -4/3
  const z = Float32Array.from([1]);
  const v1 = velocity(new Float32Array(1), z, Float32Array.from([3]), 0);
  t.same(Array.from(v1), [2]);
  const predicted = heunPredict(new Float32Array(1), z, v1, 1 / 4);
  t.same(Array.from(predicted), [1.5]);
  t.same(Array.from(z), [1], 'the predictor leaves z alone');
  heunCorrect(z, v1, predicted, Float32Array.from([0.5]), 0, 1 / 4);
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
    const predicted = heunPredict(new Float32Array(2), z, v1, stepSize(s, steps));
    heunCorrect(z, v1, predicted, mu, time, stepSize(s, steps));
    const next = timeAt(s + 1, steps);
    z0.forEach((value, i) => t.ok(Math.abs(z[i]! - (mu[i]! + (value - mu[i]!) * (1 - next))) < 1e-5, `step ${s} dim ${i}`));
  }
  eulerUpdate(z, mu, timeAt(steps - 1, steps), stepSize(steps - 1, steps)); // the last step: Euler, landing on mu
  t.same(Array.from(z), Array.from(mu));
});

// ---- multistep ----------------------------------------------------------------------------------

t.test('multistep: Euler without a previous evaluation; exact when mu is linear in t', async (t) => {
  const mu = Float32Array.from([0.5, -1]);
  const euler = Float32Array.from([2, 3]);
  const first = Float32Array.from([2, 3]);
  eulerUpdate(euler, mu, 0.25, 0.25);
  multistepUpdate(first, mu, 0.25, 0.25);
  t.same(Array.from(first), Array.from(euler));
  // mu(t) = a + b t: d/dt [z / (1 - t)] = mu / (1 - t)^2 gives z(t) = a + b + (1 - t) (c + b log(1 - t))
  const [a, b, c] = [0.3, 0.7, 1.5];
  const exact = (time: number): number => a + b + (1 - time) * (c + b * Math.log(1 - time));
  const muAt = (time: number): Float32Array => Float32Array.from([a + b * time]);
  const z = Float32Array.from([exact(0.5)]);
  multistepUpdate(z, muAt(0.5), 0.5, 0.3, { mu: muAt(0.2), t: 0.2 });
  t.ok(Math.abs(z[0]! - exact(0.8)) < 1e-6, `z = ${z[0]}, exact ${exact(0.8)}`);
  multistepUpdate(z, muAt(0.8), 0.8, 0.2, { mu: muAt(0.5), t: 0.5 }); // the last step: to t = 1
  t.ok(Math.abs(z[0]! - (a + b)) < 1e-6, `lands on mu(1) = ${a + b}: ${z[0]}`);
});

t.test('logsnr-multistep: Euler without a usable previous evaluation; exact when mu is linear in log-SNR', async (t) => {
  const mu = Float32Array.from([0.5, -1]);
  const euler = Float32Array.from([2, 3]);
  eulerUpdate(euler, mu, 0.25, 0.25);
  for (const previous of [undefined, { mu: Float32Array.from([9, 9]), t: 0 }]) {
    const z = Float32Array.from([2, 3]);
    logSnrMultistepUpdate(z, mu, 0.25, 0.25, previous); // a previous evaluation at t = 0 has lambda = -infinity
    t.same(Array.from(z), Array.from(euler), `previous ${previous ? 'at t = 0' : 'absent'}`);
  }
  // mu = a + b lambda, lambda = log(t / (1 - t)): z_T = (1 - T)/(1 - t) z_t + (1 - T) * integral of mu d(e^lambda)
  const [a, b] = [0.3, 0.2];
  const lambda = (time: number): number => Math.log(time / (1 - time));
  const muAt = (time: number): Float32Array => Float32Array.from([a + b * lambda(time)]);
  // with e^lambda = x: the integral of (a + b log x) dx is a x + b (x log x - x)
  const antiderivative = (time: number): number => {
    const x = time / (1 - time);
    return a * x + b * (x * Math.log(x) - x);
  };
  const exactFrom = (z: number, from: number, to: number): number => ((1 - to) / (1 - from)) * z + (1 - to) * (antiderivative(to) - antiderivative(from));
  const z = Float32Array.from([0.7]);
  logSnrMultistepUpdate(z, muAt(0.5), 0.5, 0.3, { mu: muAt(0.2), t: 0.2 });
  t.ok(Math.abs(z[0]! - exactFrom(0.7, 0.5, 0.8)) < 1e-6, `z = ${z[0]}, exact ${exactFrom(0.7, 0.5, 0.8)}`);
  const last = Float32Array.from([0.7]);
  const tLinear = Float32Array.from([0.7]);
  logSnrMultistepUpdate(last, muAt(0.8), 0.8, 0.2, { mu: muAt(0.5), t: 0.5 });
  multistepUpdate(tLinear, muAt(0.8), 0.8, 0.2, { mu: muAt(0.5), t: 0.5 });
  t.same(Array.from(last), Array.from(tLinear), 'the last step (lambda(1) is infinite) is the t-linear one');
});

t.test('early grid: t = (s/T)^2, steps grow from t = 0 and cover [t0, 1]', async (t) => {
  t.same([0, 1, 2, 3, 4].map((s) => timeAt(s, 4, 0, 'early')), [0, 0.0625, 0.25, 0.5625, 1]);
  t.same([0, 1, 2, 3].map((s) => stepSize(s, 4, 0, 'early')), [0.0625, 0.1875, 0.3125, 0.4375]);
  t.same([0, 4].map((s) => timeAt(s, 4, 0.5, 'early')), [0.5, 1], 'from an image: over [t0, 1]');
});

t.test('knots: exact at T = K, piecewise linear between, over [t0, 1]', async (t) => {
  const early = [0, 1, 2, 3, 4].map((s) => timeAt(s, 4, 0, 'early'));
  t.same([0, 1, 2, 3, 4].map((s) => timeAt(s, 4, 0, early)), early, 'the knots of a grid give that grid at T = K');
  t.same([0, 1, 2, 3].map((s) => stepSize(s, 4, 0, early)), [0, 1, 2, 3].map((s) => stepSize(s, 4, 0, 'early')));
  t.same([0, 1, 2, 3, 4].map((s) => timeAt(s, 4, 0, [0, 1])), [0, 0.25, 0.5, 0.75, 1], 'two knots: uniform');
  const knots = [0, 0.1, 0.4, 1];
  t.same([0, 1, 2, 3, 4, 5, 6].map((s) => timeAt(s, 6, 0, knots)), [0, 0.05, 0.1, 0.25, 0.4, 0.7, 1], 'T = 2K: midpoints');
  t.equal(timeAt(1, 2, 0, knots), 0.25, 'T < K: between knots 1 and 2');
  t.same([0, 3].map((s) => timeAt(s, 3, 0.5, knots)), [0.5, 1], 'from an image: over [t0, 1]');
  t.equal(gridProblem([0, 0.2, 1]), undefined);
  t.match(gridProblem([0.1, 0.5, 1]), /must start at 0 and end at 1, got 0.1 and 1/);
  t.match(gridProblem([0, 0.5, 0.5, 1]), /must increase strictly, but knot 2 \(0.5\) follows 0.5/);
  t.match(gridProblem([0]), /at least 2 knots/);
});

/**
 * A closed-form oracle: data x1 ~ N(m, s^2) per element, noise x0 ~ N(0, 1), z_t = t x1 + (1 - t) x0. The
 * posterior mean is mu(z, t) = (t s^2 z + (1 - t)^2 m) / (t^2 s^2 + (1 - t)^2) and the flow is solved
 * exactly by z_t = t m + sqrt((1 - t)^2 + t^2 s^2) x0, so z_1 = m + s x0.
 */
function oracleError(sampler: 'euler' | 'multistep', steps: number, grid: GridName): number {
  const [m, s] = [0.5, 0.15];
  const x0 = [1.3, -0.4, 0.8, -2.1];
  const z = Float32Array.from(x0);
  const mu = new Float32Array(z.length);
  let previous: MuHistory | undefined;
  for (let step = 0; step < steps; step++) {
    const time = timeAt(step, steps, 0, grid);
    const h = stepSize(step, steps, 0, grid);
    z.forEach((value, i) => (mu[i] = (time * s * s * value + (1 - time) ** 2 * m) / (time * time * s * s + (1 - time) ** 2)));
    if (sampler === 'euler') eulerUpdate(z, mu, time, h);
    else multistepUpdate(z, mu, time, h, previous);
    previous = { mu: mu.slice(), t: time };
  }
  return Math.max(...x0.map((value, i) => Math.abs(z[i]! - (m + s * value))));
}

t.test('multistep on the Gaussian oracle: its error falls faster than Euler\'s with the evaluations', async (t) => {
  for (const grid of ['uniform', 'quadratic'] as const) {
    const euler = [4, 8, 16, 32].map((T) => oracleError('euler', T, grid));
    const multi = [4, 8, 16, 32].map((T) => oracleError('multistep', T, grid));
    t.ok(multi[1]! <= 0.5 * euler[1]!, `${grid}, 8 evaluations: multistep ${multi[1]} vs Euler ${euler[1]}`);
    if (grid === 'uniform') continue; // near t = 1 uniform steps are too coarse for either method's order to show
    const eulerRate = euler[0]! / euler[3]!;
    const multiRate = multi[0]! / multi[3]!;
    t.ok(multiRate > 4 * eulerRate, `${grid}, error shrinks ${multiRate.toFixed(1)}x from 4 to 32 evaluations vs Euler ${eulerRate.toFixed(1)}x`);
  }
  t.ok(oracleError('euler', 8, 'quadratic') < oracleError('euler', 8, 'uniform'), 'the quadratic grid helps Euler here too');
});

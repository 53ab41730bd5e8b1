import t from 'tap';
import { eulerUpdate, timeAt, toRgbBytes } from '../../src/engine/sampler.js';

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

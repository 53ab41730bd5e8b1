// Samplers, temperature schedules and uncertainty maps through POST /generate (tiny DiT fixture),
// and the image helpers behind them (grid, heatmap).
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { gridLayout, tile } from '../../src/image/grid.js';
import { heatmapRgb, summarize, viridis } from '../../src/image/heatmap.js';
import { TINY_DIR, decodePng, generate, metricValue, readyApp } from '../helpers.js';

t.test('heun: 2T - 1 step runs, deterministic, different from euler, independent of batch-mates', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR, cacheBytes: 0, maxBatch: 8 });
  t.teardown(() => app.close());
  const target = { class: 'dog', steps: 6, seed: 31, sampler: 'heun', tau: { start: 1.2, end: 0.6 } };
  const before = await metricValue(app, 'purrception_step_runs_total');
  const alone = await generate(app, target);
  t.equal(alone.statusCode, 200);
  t.equal(await metricValue(app, 'purrception_step_runs_total') - before, 11, '2 x 6 - 1 model evaluations');
  t.same((await generate(app, target)).rawPayload, alone.rawPayload, 'same request, same bytes');
  const euler = await generate(app, { ...target, sampler: 'euler' });
  t.not(euler.rawPayload.toString('base64'), alone.rawPayload.toString('base64'));
  const constant = await generate(app, { ...target, tau: 1.2 });
  t.not(constant.rawPayload.toString('base64'), alone.rawPayload.toString('base64'), 'the schedule changes the image');
  const crowd = Array.from({ length: 5 }, (_, i) => generate(app, { class: i % 4, steps: 3 + i, seed: i, sampler: i % 2 ? 'heun' : 'euler', tau: 0.5 + i / 5 }));
  await sleep(5);
  const crowded = generate(app, target);
  await Promise.all(crowd);
  t.same((await crowded).rawPayload, alone.rawPayload, 'identical among Euler and Heun batch-mates');
});

t.test('uncertainty: heatmaps of the image size, one uniform block per latent position, summary numbers', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR });
  t.teardown(() => app.close());
  const res = await app.inject({
    method: 'POST',
    url: '/generate',
    headers: { accept: 'application/json' },
    payload: { class: 'cat', steps: 5, seed: 4, n: 2, uncertaintyStep: 0 },
  });
  t.equal(res.statusCode, 200);
  const { images } = res.json();
  t.equal(images.length, 2);
  for (const image of images) {
    const u = image.uncertainty;
    t.ok(Math.abs(u.mean - image.meanEntropy) < 1e-5, 'trajectory mean = mean entropy');
    t.ok(u.mean <= u.max && u.max <= Math.log(64) + 1e-5, `0 <= mean ${u.mean} <= max ${u.max} <= ln K`);
    t.equal(u.atStep.step, 0, 'uncertaintyStep implies uncertainty');
    t.ok(u.atStep.mean > u.mean, 'the posterior is most uncertain at t = 0 (pure noise)');
    for (const png of [u.heatmap, u.atStep.heatmap]) {
      const map = await decodePng(Buffer.from(png, 'base64'));
      t.same([map.width, map.height, map.channels], [32, 32, 3], 'the image size');
      let uniform = true;
      for (let y = 0; y < 32; y++) {
        for (let x = 0; x < 32; x++) {
          const block = ((y - (y % 4)) * 32 + (x - (x % 4))) * 3; // top-left pixel of the 4 x 4 block (8 x 8 latents)
          if (!map.data.subarray((y * 32 + x) * 3, (y * 32 + x) * 3 + 3).equals(map.data.subarray(block, block + 3))) uniform = false;
        }
      }
      t.ok(uniform, 'each latent position paints one 4 x 4 block');
    }
  }
  t.not(images[0].uncertainty.heatmap, images[1].uncertainty.heatmap, 'per image');
});

t.test('viridis and the nearest-neighbour heatmap', async (t) => {
  t.same(viridis(0), [68, 1, 84]);
  t.same(viridis(1), [253, 231, 37]);
  t.same(viridis(-3), viridis(0), 'clamped');
  t.same(viridis(Number.NaN), viridis(0));
  const rgb = heatmapRgb(Float32Array.from([0, 1, 2, 0.5]), { height: 2, width: 2 }, { height: 4, width: 4 }, 2);
  const at = (x: number, y: number) => Array.from(rgb.subarray((y * 4 + x) * 3, (y * 4 + x) * 3 + 3));
  t.same(at(0, 0), viridis(0));
  t.same(at(1, 1), viridis(0));
  t.same(at(2, 0), viridis(0.5));
  t.same(at(3, 1), viridis(0.5));
  t.same(at(0, 3), viridis(1));
  t.same(at(3, 3), viridis(0.25));
  t.same(summarize(Float32Array.from([1, 3])), { mean: 2, max: 3 });
});

t.test('grid layout: as square as possible, row-major', async (t) => {
  t.same([1, 2, 3, 4, 5, 9, 10, 16].map((n) => gridLayout(n)), [
    { cols: 1, rows: 1 }, { cols: 2, rows: 1 }, { cols: 2, rows: 2 }, { cols: 2, rows: 2 },
    { cols: 3, rows: 2 }, { cols: 3, rows: 3 }, { cols: 4, rows: 3 }, { cols: 4, rows: 4 },
  ]);
  const px = (v: number) => ({ pixels: new Uint8Array(3).fill(v), width: 1, height: 1 });
  const grid = tile([px(1), px(2), px(3)]);
  t.same([grid.width, grid.height], [2, 2]);
  t.same(Array.from(grid.pixels), [1, 1, 1, 2, 2, 2, 3, 3, 3, 255, 255, 255]);
});

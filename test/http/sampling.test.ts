// Samplers, temperature schedules and uncertainty maps through POST /generate (tiny DiT fixture),
// and the image helpers behind them (grid, heatmap).
import t from 'tap';
import { gridLayout, tile } from '../../src/image/grid.js';
import { heatmapRgb, summarize, viridis } from '../../src/image/heatmap.js';
import { TINY_DIR, aStepRan, copyModel, decodePng, generate, metricValue, readyApp } from '../helpers.js';

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
  await aStepRan(app); // they join mid-flight
  const crowded = generate(app, target);
  await Promise.all(crowd);
  t.same((await crowded).rawPayload, alone.rawPayload, 'identical among Euler and Heun batch-mates');
});

t.test('guidance per row: cfg 0 and 1 run one pass, guided samples keep their bytes among them, the interval is honoured', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR, cacheBytes: 0, maxBatch: 8 });
  t.teardown(() => app.close());
  const rows = async () => ({
    conditional: await metricValue(app, 'purrception_step_rows_total', { pass: 'conditional' }),
    unconditional: await metricValue(app, 'purrception_step_rows_total', { pass: 'unconditional' }),
  });
  const counted = async (payload: Record<string, unknown>) => {
    const before = await rows();
    const res = await generate(app, payload);
    t.equal(res.statusCode, 200, JSON.stringify(payload));
    const after = await rows();
    return { res, conditional: after.conditional - before.conditional, unconditional: after.unconditional - before.unconditional };
  };
  const guided = { class: 'fox', steps: 6, seed: 12, cfg: 3 };
  t.match(await counted(guided), { conditional: 6, unconditional: 6 }, 'cfg 3: both passes at every step');
  t.match(await counted({ ...guided, cfg: 1 }), { conditional: 6, unconditional: 0 }, 'cfg 1: the conditional pass alone');
  t.match(await counted({ ...guided, cfg: 0 }), { conditional: 6, unconditional: 0 }, 'cfg 0: the unconditional pass alone');
  const interval = await counted({ ...guided, guidance: { from: 0.3, to: 0.7 } });
  t.match(interval, { conditional: 6, unconditional: 3 }, 'guided at t = 1/3, 1/2, 2/3 of 0, 1/6, ..., 5/6');
  const alone = (await counted(guided)).res;
  t.not(interval.res.rawPayload.toString('base64'), alone.rawPayload.toString('base64'), 'the interval changes the image');
  // Among unguided batch-mates (cfg 0 and 1) a guided sample gets the bytes it gets alone.
  const mates = [0, 1, 0, 1].map((cfg, i) => generate(app, { class: i, steps: 6, seed: 100 + i, cfg }));
  await aStepRan(app); // they join mid-flight
  const crowded = generate(app, guided);
  await Promise.all(mates);
  t.same((await crowded).rawPayload, alone.rawPayload, 'identical among unguided batch-mates');
  // cfg 0 ignores the class: it runs the null class only.
  const [cat, dog] = await Promise.all(['cat', 'dog'].map((label) => generate(app, { ...guided, class: label, cfg: 0 })));
  t.same(cat!.rawPayload, dog!.rawPayload);
  const bad = await generate(app, { ...guided, guidance: { from: 0.8, to: 0.2 } });
  t.equal(bad.statusCode, 400);
  t.match(bad.json().message, /body\/guidance must have from <= to/);
});

t.test('multistep and the quadratic grid through the API: T evaluations, deterministic, different images', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR, cacheBytes: 0, maxBatch: 8 });
  t.teardown(() => app.close());
  const target = { class: 'owl', steps: 5, seed: 8, sampler: 'multistep', grid: 'quadratic' };
  const before = await metricValue(app, 'purrception_step_runs_total');
  const first = await generate(app, target);
  t.equal(first.statusCode, 200);
  t.equal(await metricValue(app, 'purrception_step_runs_total') - before, 5, 'one evaluation per step');
  t.same((await generate(app, target)).rawPayload, first.rawPayload);
  for (const other of [{ sampler: 'euler' }, { grid: 'uniform' }]) {
    const res = await generate(app, { ...target, ...other });
    t.not(res.rawPayload.toString('base64'), first.rawPayload.toString('base64'), JSON.stringify(other));
  }
  const json = await app.inject({ method: 'POST', url: '/generate', headers: { accept: 'application/json' }, payload: target });
  t.equal(json.json().sampler, 'multistep');
  const bad = await generate(app, { ...target, grid: 'cubic' });
  t.equal(bad.statusCode, 400);
  t.match(bad.json().message, /grid/);
});

t.test('a grid as knots: the named grid\'s bytes at T = K, other step counts interpolate, bad knots named', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR, cacheBytes: 0, maxBatch: 8 });
  t.teardown(() => app.close());
  const target = { class: 'owl', steps: 4, seed: 8, sampler: 'logsnr-multistep' };
  const early = await generate(app, { ...target, grid: 'early' });
  const knots = await generate(app, { ...target, grid: [0, 0.0625, 0.25, 0.5625, 1] });
  t.equal(knots.statusCode, 200);
  t.same(knots.rawPayload, early.rawPayload, 'the knots of the early grid are the early grid at T = K');
  const six = await generate(app, { ...target, steps: 6, grid: [0, 0.0625, 0.25, 0.5625, 1] });
  t.equal(six.statusCode, 200);
  t.not(six.rawPayload.toString('base64'), knots.rawPayload.toString('base64'));
  for (const [grid, message] of [
    [[0, 0.5, 0.3, 1], /body\/grid must increase strictly, but knot 2 \(0.3\) follows 0.5/],
    [[0, 0.5], /body\/grid must start at 0 and end at 1/],
    [[0, 1.5], /body\/grid/],
  ] as const) {
    const bad = await generate(app, { ...target, grid });
    t.equal(bad.statusCode, 400, JSON.stringify(grid));
    t.match(bad.json().message, message);
  }
});

t.test('a model\'s measured defaults: sampler, grid and guidance interval from its manifest', async (t) => {
  const defaults = { sampler: 'multistep', grid: 'quadratic', guidance: { from: 0, to: 0.5 } };
  const dir = copyModel(t, TINY_DIR, (_d, m) => Object.assign(m.defaults as Record<string, unknown>, defaults));
  const app = await readyApp({ modelDir: dir, cacheBytes: 0 });
  t.teardown(() => app.close());
  t.match((await app.inject('/models')).json().models[0].defaults, defaults);
  const request = { class: 'cat', steps: 5, seed: 3, cfg: 3 };
  const implicit = await generate(app, request);
  t.same((await generate(app, { ...request, ...defaults })).rawPayload, implicit.rawPayload, 'the same as asking for them');
  const plain = await generate(app, { ...request, sampler: 'euler', grid: 'uniform', guidance: { from: 0, to: 1 } });
  t.not(plain.rawPayload.toString('base64'), implicit.rawPayload.toString('base64'), 'a request overrides them');
  const broken = copyModel(t, TINY_DIR, (_d, m) => Object.assign(m.defaults as Record<string, unknown>, { guidance: { from: 0.6, to: 0.2 } }));
  await t.rejects(readyApp({ modelDir: broken }), { message: /field "defaults\.guidance" must have from <= to/ });
  const tuned = copyModel(t, TINY_DIR, (_d, m) => Object.assign(m.defaults as Record<string, unknown>, { grid: [0, 0.1, 0.3, 1] }));
  const tunedApp = await readyApp({ modelDir: tuned, cacheBytes: 0 });
  t.teardown(() => tunedApp.close());
  t.same((await tunedApp.inject('/models')).json().models[0].defaults.grid, [0, 0.1, 0.3, 1], 'knots as a model default');
  t.same((await generate(tunedApp, request)).rawPayload, (await generate(tunedApp, { ...request, grid: [0, 0.1, 0.3, 1] })).rawPayload);
  const unsorted = copyModel(t, TINY_DIR, (_d, m) => Object.assign(m.defaults as Record<string, unknown>, { grid: [0, 0.3, 0.1, 1] }));
  await t.rejects(readyApp({ modelDir: unsorted }), { message: /field "defaults\.grid" must increase strictly/ });
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

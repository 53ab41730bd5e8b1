// The playground at / end to end in headless Chromium: load the classes, click Generate, watch the
// progress bar, get the image and the uncertainty map (no previews unless the toggle asks for them,
// no broken-image icons before the first result); then upload an image, paint a mask, preview the
// encoding and generate from it, checking the kept region's codes; and take a screenshot: into a
// temporary folder, or into docs/playground.png with UPDATE_SCREENSHOTS=1 (so a test run leaves the
// tree unchanged).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import type { AddressInfo } from 'node:net';
import { ORACLE_DIR, ROOT, TINY_DIR, copyModel, generate, readyApp } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

if (!existsSync(CHROMIUM)) {
  console.error(`\n*** SKIPPING the playground browser test: ${CHROMIUM} is not installed (apt-get install chromium) ***\n`);
  t.test(`playground end to end: ${CHROMIUM} is absent`, { skip: true }, () => undefined);
} else {
  /** A served app over modelDir and a Chromium page, both closed at teardown. */
  const openPlayground = async (t: Test, modelDir: string, viewport = { width: 1000, height: 700 }) => {
    const app = await readyApp({ modelDir, cacheBytes: 0 });
    t.teardown(() => app.close());
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const profile = mkdtempSync(join(tmpdir(), 'purrception-chromium-'));
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, headless: true, viewport });
    t.teardown(async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    });
    const page = context.pages()[0] ?? (await context.newPage());
    return { app, port, page };
  };

  t.test('the playground generates an image through the stream and shows its uncertainty map', async (t) => {
    const { app, port, page } = await openPlayground(t, TINY_DIR);
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));

    const streamBodies: Record<string, unknown>[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/generate/stream')) streamBodies.push(JSON.parse(request.postData() ?? '{}') as Record<string, unknown>);
    });
    const previewsShown: string[] = [];
    await page.exposeFunction('notePreview', (src: string) => previewsShown.push(src));

    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForSelector('form[data-ready="true"]');
    // Before any result: no image element is drawn (an <img> without a source shows a broken icon).
    t.same(await page.$$eval('img', (images) => images.filter((i) => i.getBoundingClientRect().width > 0).map((i) => i.id)), [], 'no image shown yet');
    t.equal(await page.isChecked('#previews'), false, 'previews are off by default');
    t.same(await page.$$eval('#class option', (options) => options.map((o) => (o as HTMLOptionElement).value)), ['cat', 'dog', 'fox', 'owl']);
    await page.selectOption('#class', 'owl');
    await page.fill('#steps', '12');
    await page.fill('#seed', '2024');
    await page.selectOption('#sampler', 'heun');
    await page.click('#schedule');
    await page.fill('#tauEnd', '0.6');
    const curl = await page.inputValue('#curl');
    t.match(curl, new RegExp(`curl -s -X POST http://127\\.0\\.0\\.1:${port}/generate`));
    t.equal(await page.isHidden('#modelPicker'), true, 'one model: no model picker');
    t.match(curl, /"model":"tiny","class":"owl".*"tau":\{"start":0\.9,"end":0\.6\}.*"steps":12,"seed":2024,"sampler":"heun","grid":"uniform","guidance":\{"from":0,"to":1\}/);

    await page.click('#generate');
    await page.waitForSelector('body[data-state="done"]', { timeout: 60_000 });
    t.equal(streamBodies.length, 1);
    t.notOk('previewEvery' in streamBodies[0]!, 'no previews asked for: no extra decodes');
    const shown = await page.$eval('#result', (img) => ({ w: (img as HTMLImageElement).naturalWidth, h: (img as HTMLImageElement).naturalHeight, src: (img as HTMLImageElement).src }));
    t.same([shown.w, shown.h], [32, 32], 'a decoded image of the model size');
    const map = await page.$eval('#uncertainty', (img) => [(img as HTMLImageElement).naturalWidth, (img as HTMLImageElement).naturalHeight]);
    t.same(map, [32, 32], 'the uncertainty map, aligned with the image');
    t.equal(await page.$eval('#progress', (p) => (p as HTMLProgressElement).value), 1, 'the progress bar is full');
    t.match(await page.textContent('#status'), 'Done');
    t.match(await page.textContent('#entropy'), /mean \d+\.\d+, max \d+\.\d+ nats/);

    // The image on the page is the one the curl command would fetch.
    const direct = await generate(app, JSON.parse(/-d '(.*)'/.exec(curl)![1]!));
    t.same(Buffer.from(shown.src.split(',')[1]!, 'base64'), direct.rawPayload, 'byte-identical to POST /generate');

    // With the toggle, previews come every steps/8 and show before the final image.
    await page.evaluate(() => {
      const result = document.getElementById('result') as HTMLImageElement;
      new MutationObserver(() => (window as unknown as { notePreview: (src: string) => void }).notePreview(result.src)).observe(result, { attributes: true, attributeFilter: ['src'] });
    });
    await page.check('#previews');
    await page.fill('#steps', '16');
    await page.click('#generate'); // sets data-state="running" before it returns
    await page.waitForSelector('body[data-state="done"]', { timeout: 60_000 });
    t.equal(streamBodies.at(-1)!['previewEvery'], 2, 'previewEvery = steps / 8');
    t.ok(previewsShown.length > 1, `${previewsShown.length - 1} previews before the image`);
    t.equal(previewsShown.at(-1), await page.$eval('#result', (img) => (img as HTMLImageElement).src), 'the last one is the final image');

    // Image input: upload the model's own picture, set the strength, paint a band of mask with the
    // mouse, preview the encoding, generate; outside the painted cells the codes are the picture's.
    const upload = (await generate(app, { class: 'cat', seed: 1 })).rawPayload;
    t.equal(await page.isDisabled('#strength'), true, 'no image yet: its controls are off');
    await page.setInputFiles('#imageFile', { name: 'cat.png', mimeType: 'image/png', buffer: upload });
    await page.waitForSelector('body[data-image="loaded"]');
    await page.fill('#strength', '0.7');
    t.equal(await page.textContent('#strengthValue'), '0.70');
    await page.fill('#brush', '48');
    const box = (await page.locator('#mask').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.8, box.y + 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.8, box.y + box.height - 2, { steps: 8 });
    await page.mouse.up();
    t.equal(await page.isHidden('#maskLink'), false, 'the painted mask can be downloaded for the curl command');
    t.match(await page.inputValue('#curl'), /"strength":0\.7,"image":"'"\$\(base64 -w0 input\.png\)"'","mask":"'"\$\(base64 -w0 mask\.png\)"'"\}' -o image\.png$/);
    await page.click('#encode');
    await page.waitForSelector('body[data-encoded="true"]');
    const encoded = (await app.inject({ method: 'POST', url: '/encode', payload: { image: upload.toString('base64') } })).json();
    t.equal(await page.$eval('#reconstruction', (img) => (img as HTMLImageElement).src), `data:image/png;base64,${encoded.reconstruction}`, 'the encode preview is POST /encode\'s reconstruction');
    t.match(await page.textContent('#encodeInfo'), /\((PSNR \d+\.\d dB|exact), \d+ of 64 codes\)/);
    await page.uncheck('#previews');
    await page.click('#generate');
    await page.waitForSelector('body[data-state="done"]', { timeout: 60_000 });
    const sent = streamBodies.at(-1)!;
    t.match(sent, { strength: 0.7, image: /^data:image\/png;base64,/, mask: /^data:image\/png;base64,/ });
    const replay = await app.inject({ method: 'POST', url: '/generate', headers: { accept: 'application/json' }, payload: { ...sent, codes: true } });
    const [answer] = replay.json().images;
    t.equal(await page.$eval('#result', (img) => (img as HTMLImageElement).src), `data:image/png;base64,${answer.data}`, 'the page shows the API\'s answer');
    // The kept cells, from the mask's own pixels (32 x 32 over 8 x 8 cells): no opaque pixel in the cell.
    const mask = await sharp(Buffer.from(String(sent['mask']).split(',')[1]!, 'base64')).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    t.same([mask.info.width, mask.info.height], [32, 32], 'the mask has the image\'s size');
    const kept: [number, number][] = [];
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 8; j++) {
        let opaque = false;
        for (let y = i * 4; y < i * 4 + 4; y++) for (let x = j * 4; x < j * 4 + 4; x++) opaque ||= mask.data[(y * 32 + x) * 4 + 3]! >= 128;
        if (!opaque) kept.push([i, j]);
      }
    }
    t.ok(kept.length > 8 && kept.length < 56, `${kept.length} of 64 cells kept: the stroke painted a band`);
    t.same(kept.map(([i, j]) => answer.codes[i][j]), kept.map(([i, j]) => encoded.codes[i][j]), 'every kept cell has the picture\'s code');
    const shot = process.env['UPDATE_SCREENSHOTS'] === '1' ? join(ROOT, 'docs/playground.png') : join(tmpdir(), `playground-${process.pid}.png`);
    await page.screenshot({ path: shot, fullPage: true });
    t.ok(existsSync(shot), `screenshot at ${shot}`);
    await page.click('#clearMask');
    t.equal(await page.isHidden('#maskLink'), true, 'cleared: no mask');
    t.notMatch(await page.inputValue('#curl'), /mask/, 'and none sent');
    t.same(pageErrors, [], 'no script errors');
  });

  t.test('with several models the playground picks one: its classes, defaults and tokenizer', async (t) => {
    const { app, page } = await openPlayground(t, `${TINY_DIR},${ORACLE_DIR}`);
    await page.goto(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`);
    await page.waitForSelector('form[data-ready="true"]');
    t.same(await page.$$eval('#modelPicker option', (options) => options.map((o) => (o as HTMLOptionElement).value)), ['tiny', 'oracle']);
    t.equal(await page.inputValue('#modelPicker'), 'tiny', 'the default model first');
    await page.selectOption('#modelPicker', 'oracle');
    t.same(await page.$$eval('#class option', (options) => options.map((o) => (o as HTMLOptionElement).value)), ['red', 'green', 'blue']);
    t.equal(await page.inputValue('#steps'), '4', "the oracle's default steps");
    t.match(await page.inputValue('#curl'), /"model":"oracle","class":"red"/);
    await page.click('#generate');
    await page.waitForSelector('body[data-state="done"]', { timeout: 60_000 });
    const size = await page.$eval('#result', (img) => [(img as HTMLImageElement).naturalWidth, (img as HTMLImageElement).naturalHeight]);
    t.same(size, [8, 8], 'an image of the oracle, 8 x 8');
  });

  t.test('a dfm model: no tau, sampler, grid or previews in the form or the request', async (t) => {
    const { app, page } = await openPlayground(t, `${TINY_DIR},${ROOT}test/fixtures/tiny-dfm`);
    await page.goto(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`);
    await page.waitForSelector('form[data-ready="true"]');
    await page.selectOption('#modelPicker', 'tiny-dfm');
    for (const id of ['#tauControls', '#sampler', '#grid', '#previews', '#uncertaintyPanel']) t.equal(await page.isHidden(id), true, `${id} hidden`);
    t.notMatch(await page.inputValue('#curl'), /"tau"|"sampler"|"grid"/, 'and not sent');
    await page.$eval('#previews', (box) => ((box as HTMLInputElement).checked = true)); // left checked from another model
    await page.click('#generate');
    await page.waitForSelector('body[data-state="done"]', { timeout: 60_000 });
    const size = await page.$eval('#result', (img) => [(img as HTMLImageElement).naturalWidth, (img as HTMLImageElement).naturalHeight]);
    t.same(size, [32, 32], 'an image of the dfm model');
    await page.selectOption('#modelPicker', 'tiny');
    t.equal(await page.isHidden('#sampler'), false, 'back to a purrception model: the sampler shows again');
  });

  t.test('a model whose default grid is tuned knots: offered as "tuned" and sent as the knots', async (t) => {
    const knots = [0, 0.1, 0.3, 1];
    const tuned = copyModel(t, TINY_DIR, (_d, m) => Object.assign(m.defaults as Record<string, unknown>, { grid: knots }));
    const { app, page } = await openPlayground(t, `${tuned},${ORACLE_DIR}`);
    await page.goto(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/`);
    await page.waitForSelector('form[data-ready="true"]');
    await page.selectOption('#modelPicker', 'tiny');
    t.equal(await page.inputValue('#grid'), 'tuned');
    t.match(await page.inputValue('#curl'), /"grid":\[0,0\.1,0\.3,1\]/);
    await page.click('#generate');
    await page.waitForSelector('body[data-state="done"]', { timeout: 60_000 });
    await page.selectOption('#modelPicker', 'oracle');
    t.equal(await page.inputValue('#grid'), 'uniform', "the oracle's grid");
    t.equal(await page.$eval('#tunedGrid', (option) => (option as HTMLOptionElement).disabled), true, 'no tuned grid to offer');
  });

  t.test('Generate stays in view at 1400 x 1000 with every control shown, at the top of the page and scrolled down', async (t) => {
    const { port, page } = await openPlayground(t, TINY_DIR, { width: 1400, height: 1000 });
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForSelector('form[data-ready="true"]');
    t.equal(await page.isVisible('#imageControls'), true, 'the tiny model takes images: the tallest form');
    const inView = async () => {
      const box = (await page.locator('#generate').boundingBox())!;
      return box.y >= 0 && box.y + box.height <= 1000;
    };
    t.ok(await inView(), 'Generate is visible without scrolling');
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    t.ok(await inView(), 'and after scrolling to the bottom');
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.click('#generate'); // clickable where it is shown
    await page.waitForSelector('body[data-state="done"]', { timeout: 60_000 });
  });
}

// scripts/image-input-demo.ts against a served fixture, so that the README's picture can always be
// remade: it runs as a command, writes a strip of six captioned panels, and each panel is what the
// API answers for its request (the inpainting keeps the input's codes on its left half).
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import t from 'tap';
import { writeDemo } from '../../scripts/image-input-demo.js';
import { ORACLE_DIR, ROOT, TINY_DIR, copyModel, decodePng, listening, readyApp } from '../helpers.js';

const run = promisify(execFile);

t.test('the demo command writes the strip; each panel is the API\'s answer to its request', async (t) => {
  const app = await readyApp({ modelDir: TINY_DIR });
  t.teardown(() => app.close());
  const url = await listening(app);
  const dir = mkdtempSync(join(tmpdir(), 'purrception-demo-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'strip.png');
  const { stdout } = await run(process.execPath, [join(ROOT, 'dist/scripts/image-input-demo.js'), '--url', url, '--out', out]);
  const captions = ['input: cat', 'strength 0.3', 'strength 0.6', 'strength 0.9', 'as dog', 'right half repainted'];
  t.equal(stdout.trim(), `wrote ${out} (808 x 144): ${captions.join(' | ')}`, 'six 128 px panels (32 px x 4) with 8 px gaps, under 16 px of captions');
  const strip = await decodePng(readFileSync(out));
  t.same([strip.width, strip.height, strip.channels], [808, 144, 3]);

  const input = await app.inject({ method: 'POST', url: '/generate', payload: { class: 'cat', seed: 1 } });
  const image = input.rawPayload.toString('base64');
  const right = Buffer.alloc(32 * 32 * 3); // the script's mask: the right half, white on black
  for (let y = 0; y < 32; y++) right.fill(255, (y * 32 + 16) * 3, (y + 1) * 32 * 3);
  const mask = (await sharp(right, { raw: { width: 32, height: 32, channels: 3 } }).png().toBuffer()).toString('base64');
  const requests: object[] = [
    { class: 'cat', seed: 1 },
    ...[0.3, 0.6, 0.9].map((strength) => ({ class: 'cat', seed: 2, image, strength })),
    { class: 'dog', seed: 2, image, strength: 0.8 },
    { class: 'cat', seed: 3, image, mask, strength: 1 },
  ];
  const seen = new Set<string>();
  for (const [i, body] of requests.entries()) {
    const res = await app.inject({ method: 'POST', url: '/generate', headers: { accept: 'application/json' }, payload: { ...body, codes: true } });
    const [answer] = res.json().images;
    const { data } = await decodePng(Buffer.from(answer.data, 'base64'));
    let same = true;
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 32; x++) {
        const at = ((16 + y * 4 + 1) * strip.width + i * 136 + x * 4 + 2) * 3; // inside the 4 x 4 block of pixel (x, y)
        same &&= strip.data.subarray(at, at + 3).equals(data.subarray((y * 32 + x) * 3, (y * 32 + x) * 3 + 3));
      }
    }
    t.ok(same, `panel ${i} (${captions[i]}) is the answer to its request`);
    seen.add(answer.data);
    if (i === 5) {
      const encoded = (await app.inject({ method: 'POST', url: '/encode', payload: { image } })).json();
      t.same((answer.codes as number[][]).map((row) => row.slice(0, 4)), (encoded.codes as number[][]).map((row) => row.slice(0, 4)), 'the inpainting keeps the left half\'s codes');
    }
  }
  t.equal(seen.size, 6, 'six different pictures');
});

t.test('against a model without an encoder the demo says why it cannot run', async (t) => {
  const dir = copyModel(t, ORACLE_DIR, (_dir, manifest) => delete (manifest['graphs'] as Record<string, unknown>)['encode']);
  const app = await readyApp({ modelDir: dir });
  t.teardown(() => app.close());
  await t.rejects(writeDemo({ url: await listening(app), out: join(tmpdir(), 'unused.png') }), { message: 'the model oracle has no encoder: it cannot start from an image' });
});

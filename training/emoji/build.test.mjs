// Self-check of the built emoji zoo.  `node --test` in training/emoji.
// Checks EMOJI_ZOO_OUT (default ../../data/emoji-zoo); if that has no build, builds into a
// temporary folder first (about 10 s).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir, mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  build, rasterize, standaloneNotoSvg, loadNotoSprite, LABEL_RE, MIN_IMAGES_PER_CLASS, MIN_STYLES_PER_CLASS,
} from './build.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
let out = process.env.EMOJI_ZOO_OUT ?? path.join(HERE, '..', '..', 'data', 'emoji-zoo');
let tmp = null;
let manifest;

before(async () => {
  if (!existsSync(path.join(out, 'classes.json'))) {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'emoji-zoo-'));
    out = tmp;
    await build({ out, size: 80, quiet: true });
  }
  manifest = JSON.parse(await readFile(path.join(out, 'classes.json'), 'utf8'));
});
after(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** width, height, bit depth, colour type from the IHDR chunk. */
function pngHeader(buf) {
  assert.equal(buf.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'PNG signature');
  assert.equal(buf.subarray(12, 16).toString('latin1'), 'IHDR');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20), depth: buf[24], colorType: buf[25] };
}

test('class spec: labels unique, lowercase and URL-safe; every emoji has cp and fluent name', async () => {
  const spec = JSON.parse(await readFile(path.join(HERE, 'classes.json'), 'utf8'));
  const labels = spec.classes.map((c) => c.label);
  assert.equal(new Set(labels).size, labels.length, 'labels unique');
  for (const l of labels) {
    assert.match(l, LABEL_RE);
    assert.equal(encodeURIComponent(l), l);
  }
  for (const c of spec.classes) {
    for (const e of c.emoji) {
      assert.match(e.cp, /^[0-9A-F]{4,6}(-[0-9A-F]{4,6})*$/, `${c.label}: ${e.cp}`);
      assert.match(e.fluent, /^[a-z0-9-]+$/, `${c.label}: ${e.fluent}`);
    }
    const cps = c.emoji.map((e) => e.cp);
    assert.equal(new Set(cps).size, cps.length, `${c.label}: duplicate emoji`);
  }
});

test('manifest matches the class spec order (label order = class ids)', async () => {
  const spec = JSON.parse(await readFile(path.join(HERE, 'classes.json'), 'utf8'));
  assert.deepEqual(manifest.classes.map((c) => c.label), spec.classes.map((c) => c.label));
  manifest.classes.forEach((c, i) => assert.equal(c.id, i));
  assert.equal(manifest.num_classes, manifest.classes.length);
  assert.equal(manifest.total, manifest.classes.reduce((a, c) => a + c.count, 0));
});

test(`every class has >= ${MIN_IMAGES_PER_CLASS} images in >= ${MIN_STYLES_PER_CLASS} styles`, () => {
  for (const c of manifest.classes) {
    assert.ok(c.count >= MIN_IMAGES_PER_CLASS, `${c.label}: ${c.count} images`);
    const styles = new Set(c.images.map((i) => i.style));
    assert.ok(styles.size >= MIN_STYLES_PER_CLASS, `${c.label}: ${styles.size} styles`);
    assert.equal(c.images.length, c.count);
    for (const [s, n] of Object.entries(c.counts)) assert.equal(c.images.filter((i) => i.style === s).length, n);
  }
});

test('files on disk are exactly the manifest, all size x size RGBA PNGs with transparency', async () => {
  const listed = new Set(manifest.classes.flatMap((c) => c.images.map((i) => i.file)));
  const onDisk = new Set();
  for (const dir of await readdir(path.join(out, 'base'))) {
    for (const f of await readdir(path.join(out, 'base', dir))) onDisk.add(`base/${dir}/${f}`);
  }
  assert.deepEqual([...onDisk].sort(), [...listed].sort());
  for (const c of manifest.classes) {
    for (const img of c.images) {
      assert.ok(img.file.startsWith(`base/${c.label}/${img.style}-`), img.file);
      assert.match(path.basename(img.file), /^[a-z0-9-]+\.png$/);
      const buf = await readFile(path.join(out, img.file));
      const h = pngHeader(buf);
      assert.deepEqual(h, { width: manifest.size, height: manifest.size, depth: 8, colorType: 6 }, img.file);
    }
  }
});

test('attribution and license texts are shipped with the data', async () => {
  const attr = await readFile(path.join(out, 'ATTRIBUTION.md'), 'utf8');
  for (const s of manifest.styles) assert.ok(attr.includes(`| ${s} |`), `inventory row for ${s}`);
  for (const needle of ['CC BY 4.0', 'CC BY-SA 4.0', 'Apache License 2.0', 'MIT', 'OpenMoji']) assert.ok(attr.includes(needle), needle);
  for (const f of ['CC-BY-SA-4.0.txt', 'Apache-2.0.txt', 'MIT-fluentui-emoji.txt']) assert.ok(existsSync(path.join(out, 'LICENSES', f)), f);
});

test('noto cut-outs get the xlink namespace; rasterizing is deterministic', async () => {
  const sprite = await loadNotoSprite();
  assert.ok(sprite.size > 3000, `noto sprite has ${sprite.size} emoji`);
  const frag = sprite.get('1F33B'); // sunflower uses xlink:href
  assert.ok(frag && /xlink:/.test(frag) && !/xmlns:xlink/.test(frag));
  const svg = Buffer.from(standaloneNotoSvg(frag));
  assert.match(svg.toString(), /<svg xmlns:xlink="http:\/\/www.w3.org\/1999\/xlink"/);
  const a = await rasterize(svg, 80, 3);
  const b = await rasterize(svg, 80, 3);
  assert.ok(a.equals(b));
  assert.deepEqual(pngHeader(a), { width: 80, height: 80, depth: 8, colorType: 6 });
});

test('missing artwork is skipped with a warning; a class with < 3 images fails the build', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'emoji-zoo-spec-'));
  try {
    const missing = { cp: '10FFFD', fluent: 'no-such-emoji', name: 'missing' };
    const spec = {
      classes: [
        { label: 'cat', emoji: [{ cp: '1F431', fluent: 'cat-face', name: 'cat face' }, { cp: '1F408', fluent: 'cat', name: 'cat' }, missing] },
        { label: 'dog', emoji: [{ cp: '1F436', fluent: 'dog-face', name: 'dog face' }, { cp: '1F415', fluent: 'dog', name: 'dog' }] },
      ],
    };
    const m = await build({ out: dir, styles: ['twemoji', 'fluent-flat'], quiet: true, spec });
    assert.deepEqual(m.classes.map((c) => c.count), [4, 4]);
    assert.equal(m.warnings.length, 2);
    assert.match(m.warnings[0], /missing: cat\/twemoji 10FFFD/);
    spec.classes[1].emoji.pop();
    await assert.rejects(build({ out: dir, styles: ['twemoji'], quiet: true, spec }), /too little artwork.*dog=1/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

#!/usr/bin/env node
// Emoji zoo builder: rasterizes openly licensed emoji SVGs (npm packages pinned in
// package.json) into class-conditional base artwork for Purrception training.
//
//   node build.mjs --out ../../data/emoji-zoo --size 80 [--styles twemoji,noto,...] [--margin 3]
//        [--augment plain]   (augment.json: how the training images are drawn from the artwork)
//
// Output (deterministic: same bytes every run with the same package-lock):
//   OUT/base/<label>/<style>-<codepoint>.png   size x size RGBA, transparent background,
//                                              artwork cropped to its alpha bbox, centred
//   OUT/classes.json                           label order = class id, per-class counts, file list
//   OUT/ATTRIBUTION.md, OUT/LICENSES/*         attributions and license texts
import { readFile, writeFile, mkdir, readdir, rm, stat, rmdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const NM = path.join(HERE, 'node_modules');

// ---------------------------------------------------------------- sources
// `license` is the license of the *artwork* (which is what matters here), which is not
// always the license field of the npm package that repackages it.
export const SOURCES = {
  twemoji: {
    pkg: '@twemoji/svg',
    artwork: 'Twemoji',
    upstream: 'https://github.com/jdecked/twemoji',
    copyright: 'Copyright 2019 Twitter, Inc and other contributors (maintained as jdecked/twemoji)',
    license: 'CC-BY-4.0',
  },
  openmoji: {
    pkg: 'openmoji',
    artwork: 'OpenMoji',
    upstream: 'https://openmoji.org/',
    copyright: 'OpenMoji, the open-source emoji and icon project',
    license: 'CC-BY-SA-4.0',
  },
  noto: {
    pkg: '@svgmoji/noto',
    artwork: 'Noto Emoji',
    upstream: 'https://github.com/googlefonts/noto-emoji',
    copyright: 'Copyright Google Inc.',
    license: 'Apache-2.0',
  },
  'fluent-flat': {
    pkg: 'fluentui-emoji',
    artwork: 'Fluent Emoji (Flat)',
    upstream: 'https://github.com/microsoft/fluentui-emoji',
    copyright: 'Copyright (c) Microsoft Corporation',
    license: 'MIT',
  },
  'fluent-modern': {
    pkg: 'fluentui-emoji',
    artwork: 'Fluent Emoji (Color, "modern")',
    upstream: 'https://github.com/microsoft/fluentui-emoji',
    copyright: 'Copyright (c) Microsoft Corporation',
    license: 'MIT',
  },
};
export const ALL_STYLES = Object.keys(SOURCES);
export const LABEL_RE = /^[a-z][a-z0-9-]*$/;
export const MIN_IMAGES_PER_CLASS = 3;
export const MIN_STYLES_PER_CLASS = 2;

// ---------------------------------------------------------------- helpers
const pkgDir = (pkg) => path.join(NM, ...pkg.split('/'));

async function pkgVersion(pkg) {
  return JSON.parse(await readFile(path.join(pkgDir(pkg), 'package.json'), 'utf8')).version;
}

/** Code point spellings to try: as given, without any FE0F, with a trailing FE0F. */
function cpVariants(cp) {
  const up = cp.toUpperCase();
  const noVs = up.split('-').filter((c) => c !== 'FE0F').join('-');
  return [...new Set([up, noVs, `${noVs}-FE0F`])];
}

/** Cut the Noto sprite (one <svg> holding one nested <svg id="CP"> per emoji) into a Map. */
export async function loadNotoSprite() {
  const file = path.join(pkgDir('@svgmoji/noto'), 'sprites', 'all.svg');
  const text = await readFile(file, 'utf8');
  const map = new Map();
  const tagRe = /<svg\b[^>]*>|<\/svg>/g;
  let depth = 0;
  let start = -1;
  let id = null;
  for (let m; (m = tagRe.exec(text)); ) {
    const tag = m[0];
    if (tag.startsWith('</')) {
      depth -= 1;
      if (depth === 1 && start >= 0) {
        if (id) map.set(id.toUpperCase(), text.slice(start, m.index + tag.length));
        start = -1;
        id = null;
      }
    } else {
      if (!tag.endsWith('/>')) depth += 1;
      if (depth === 2) {
        start = m.index;
        id = /\sid="([^"]+)"/.exec(tag)?.[1] ?? null;
      }
    }
  }
  return map;
}

/** A cut-out Noto <svg> must declare the namespaces it uses (the sprite root declared them). */
export function standaloneNotoSvg(fragment) {
  let svg = fragment;
  const open = svg.slice(0, svg.indexOf('>') + 1);
  let fixed = open;
  if (!/\sxmlns=/.test(fixed)) fixed = fixed.replace('<svg', '<svg xmlns="http://www.w3.org/2000/svg"');
  if (/xlink:/.test(svg) && !/\sxmlns:xlink=/.test(fixed)) {
    fixed = fixed.replace('<svg', '<svg xmlns:xlink="http://www.w3.org/1999/xlink"');
  }
  svg = fixed + svg.slice(open.length);
  return `<?xml version="1.0" encoding="utf-8"?>\n${svg}`;
}

function makeResolvers(noto) {
  const fileIf = async (p) => (existsSync(p) ? { file: p, svg: await readFile(p) } : null);
  const tryAll = async (cands) => {
    for (const c of cands) {
      const r = await c();
      if (r) return r;
    }
    return null;
  };
  return {
    twemoji: (e) =>
      tryAll(cpVariants(e.cp).map((v) => () => fileIf(path.join(pkgDir('@twemoji/svg'), `${v.toLowerCase()}.svg`)))),
    openmoji: (e) =>
      tryAll(cpVariants(e.cp).map((v) => () => fileIf(path.join(pkgDir('openmoji'), 'color', 'svg', `${v}.svg`)))),
    noto: async (e) => {
      for (const v of cpVariants(e.cp)) {
        const frag = noto.get(v);
        if (frag) return { file: `@svgmoji/noto/sprites/all.svg#${v}`, svg: Buffer.from(standaloneNotoSvg(frag)) };
      }
      return null;
    },
    'fluent-flat': (e) => fileIf(path.join(pkgDir('fluentui-emoji'), 'icons', 'flat', `${e.fluent}.svg`)),
    'fluent-modern': (e) => fileIf(path.join(pkgDir('fluentui-emoji'), 'icons', 'modern', `${e.fluent}.svg`)),
  };
}

const TRANSPARENT = { r: 0, g: 0, b: 0, alpha: 0 };

/**
 * SVG -> size x size RGBA PNG. Renders at 4x, crops to the alpha bounding box (so all
 * styles share one scale convention: the artwork's longer side fills size - 2*margin),
 * then resizes (lanczos3, premultiplied) and pads with transparency.
 */
export async function rasterize(svg, size, margin) {
  const hi = size * 4;
  const meta = await sharp(svg).metadata();
  const density = Math.max(1, Math.min(5000, (72 * hi) / Math.max(meta.width, meta.height)));
  const { data, info } = await sharp(svg, { density }).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  const { width: w, height: h, channels: ch } = info;
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (data[(y * w + x) * ch + 3] > 4) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  if (x1 < 0) throw new Error('rendered image is fully transparent');
  const inner = size - 2 * margin;
  return sharp(data, { raw: { width: w, height: h, channels: ch } })
    .extract({ left: x0, top: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 })
    .resize(inner, inner, { fit: 'contain', background: TRANSPARENT, kernel: 'lanczos3' })
    .extend({ top: margin, bottom: margin, left: margin, right: margin, background: TRANSPARENT })
    .ensureAlpha()
    .png({ compressionLevel: 9, adaptiveFiltering: true })
    .toBuffer();
}

async function listFiles(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const ent of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isDirectory()) out.push(...(await listFiles(p)));
    else out.push(p);
  }
  return out;
}

/** Remove PNGs under OUT/base that this run did not write (renamed/removed classes), then empty dirs. */
async function pruneStale(baseDir, written) {
  let removed = 0;
  for (const f of await listFiles(baseDir)) {
    if (f.endsWith('.png') && !written.has(path.resolve(f))) {
      await rm(f);
      removed += 1;
    }
  }
  if (existsSync(baseDir)) {
    for (const ent of await readdir(baseDir, { withFileTypes: true })) {
      const p = path.join(baseDir, ent.name);
      if (ent.isDirectory() && (await readdir(p)).length === 0) await rmdir(p);
    }
  }
  return removed;
}

function attributionInventory(manifest) {
  const lines = ['', '## Inventory of this build', '', `Generated by training/emoji/build.mjs (size ${manifest.size} px).`, ''];
  lines.push('| style | artwork | npm package | artwork license | images |', '|---|---|---|---|---|');
  for (const s of manifest.styles) {
    const src = manifest.sources[s];
    lines.push(`| ${s} | ${src.artwork} | ${src.package}@${src.version} | ${src.license} | ${manifest.style_counts[s]} |`);
  }
  lines.push('', 'Every PNG is an adaptation of the source SVG: rasterized, cropped to its visible bounds,',
    'resized and padded. File names give the style and the Unicode code point sequence, e.g.',
    '`base/cat/openmoji-1f431.png` is the OpenMoji "cat face" (U+1F431).', '');
  return lines.join('\n');
}

// ---------------------------------------------------------------- main
export async function build({ out, size = 80, margin = null, styles = ALL_STYLES, quiet = false, spec = null, augment = null }) {
  const log = quiet ? () => {} : (...a) => console.log(...a);
  if (!existsSync(NM)) throw new Error(`no ${NM}: run \`npm ci\` in ${HERE} first`);
  if (!Number.isInteger(size) || size < 16 || size > 1024) throw new Error(`bad --size ${size}`);
  margin ??= Math.max(1, Math.round(size * 0.04));
  for (const s of styles) if (!SOURCES[s]) throw new Error(`unknown style "${s}" (known: ${ALL_STYLES.join(', ')})`);

  spec ??= JSON.parse(await readFile(path.join(HERE, 'classes.json'), 'utf8'));
  const labels = spec.classes.map((c) => c.label);
  for (const l of labels) if (!LABEL_RE.test(l)) throw new Error(`label "${l}" is not lowercase URL-safe`);
  if (new Set(labels).size !== labels.length) throw new Error('duplicate class labels');

  const noto = styles.includes('noto') ? await loadNotoSprite() : new Map();
  const resolve = makeResolvers(noto);
  const baseDir = path.join(out, 'base');
  const written = new Set();
  const warnings = [];
  const classes = [];
  let totalBytes = 0;

  for (const [id, cls] of spec.classes.entries()) {
    const counts = Object.fromEntries(styles.map((s) => [s, 0]));
    const images = [];
    await mkdir(path.join(baseDir, cls.label), { recursive: true });
    for (const style of styles) {
      for (const e of cls.emoji) {
        const src = await resolve[style](e);
        if (!src) {
          warnings.push(`missing: ${cls.label}/${style} ${e.cp} (${e.name})`);
          continue;
        }
        let png;
        try {
          png = await rasterize(src.svg, size, margin);
        } catch (err) {
          warnings.push(`failed: ${cls.label}/${style} ${e.cp} (${e.name}): ${err.message}`);
          continue;
        }
        const rel = `base/${cls.label}/${style}-${e.cp.toLowerCase()}.png`;
        const dest = path.join(out, rel);
        await writeFile(dest, png);
        written.add(path.resolve(dest));
        totalBytes += png.length;
        counts[style] += 1;
        images.push({ file: rel, style, cp: e.cp, name: e.name });
      }
    }
    classes.push({ id, label: cls.label, count: images.length, counts, images });
  }

  if (!quiet) for (const w of warnings) console.warn(`warning: ${w}`);
  const bad = classes.filter(
    (c) => c.count < MIN_IMAGES_PER_CLASS || Object.values(c.counts).filter((n) => n > 0).length < Math.min(MIN_STYLES_PER_CLASS, styles.length),
  );
  if (bad.length) {
    throw new Error(`classes with too little artwork (need >= ${MIN_IMAGES_PER_CLASS} images in >= ${MIN_STYLES_PER_CLASS} styles): ${bad.map((c) => `${c.label}=${c.count}`).join(', ')}`);
  }
  const removed = await pruneStale(baseDir, written);

  const sources = {};
  for (const s of styles) {
    const src = SOURCES[s];
    sources[s] = { artwork: src.artwork, package: src.pkg, version: await pkgVersion(src.pkg), license: src.license, upstream: src.upstream };
  }
  const styleCounts = Object.fromEntries(styles.map((s) => [s, classes.reduce((a, c) => a + c.counts[s], 0)]));
  const manifest = {
    name: 'emoji-zoo',
    format: 1,
    size,
    margin,
    mode: 'RGBA',
    note: 'Class id = index in `classes`. Transparent background; augment (scale, rotation, shift, flip, background colour) at load time.',
    styles,
    sources,
    num_classes: classes.length,
    total: classes.reduce((a, c) => a + c.count, 0),
    style_counts: styleCounts,
    classes,
  };
  await writeFile(path.join(out, 'classes.json'), JSON.stringify(manifest, null, 1) + '\n');
  // The augmentation the Python loader draws training images with (purrception.data.AUGMENTS); a
  // build without --augment leaves the default ("full") and removes a stale choice.
  const augmentFile = path.join(out, 'augment.json');
  if (augment) await writeFile(augmentFile, JSON.stringify({ augment }) + '\n');
  else await rm(augmentFile, { force: true });

  // Attribution + license texts next to the data.
  const attribution = await readFile(path.join(HERE, 'ATTRIBUTION.md'), 'utf8');
  await writeFile(path.join(out, 'ATTRIBUTION.md'), attribution.trimEnd() + '\n' + attributionInventory(manifest));
  const licDir = path.join(out, 'LICENSES');
  await mkdir(licDir, { recursive: true });
  const licenseFiles = {
    'CC-BY-SA-4.0.txt': path.join(pkgDir('openmoji'), 'LICENSE.txt'),
    'Apache-2.0.txt': path.join(pkgDir('sharp'), 'LICENSE'), // verbatim Apache-2.0 text
  };
  for (const [name, from] of Object.entries(licenseFiles)) await writeFile(path.join(licDir, name), await readFile(from));
  await writeFile(path.join(licDir, 'MIT-fluentui-emoji.txt'), MIT_MICROSOFT);

  // Summary.
  const w = Math.max(5, ...labels.map((l) => l.length));
  const cols = styles.map((s) => s.padStart(Math.max(s.length, 4)));
  log(`\nemoji zoo -> ${path.resolve(out)}  (${size}x${size} RGBA, margin ${margin}px)`);
  log(`${'id'.padStart(2)} ${'class'.padEnd(w)} ${cols.join(' ')}  total`);
  for (const c of classes) {
    log(`${String(c.id).padStart(2)} ${c.label.padEnd(w)} ${styles.map((s, i) => String(c.counts[s]).padStart(cols[i].length)).join(' ')}  ${String(c.count).padStart(5)}`);
  }
  log(`${''.padStart(2)} ${'all'.padEnd(w)} ${styles.map((s, i) => String(styleCounts[s]).padStart(cols[i].length)).join(' ')}  ${String(manifest.total).padStart(5)}`);
  log(`${manifest.total} images, ${classes.length} classes, ${(totalBytes / 1024).toFixed(1)} KiB of PNG (${totalBytes} bytes)` +
    `${warnings.length ? `, ${warnings.length} warnings` : ''}${removed ? `, removed ${removed} stale files` : ''}`);
  manifest.warnings = warnings;
  return manifest;
}

const MIT_MICROSOFT = `Fluent Emoji artwork (https://github.com/microsoft/fluentui-emoji)

MIT License

Copyright (c) Microsoft Corporation.

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: path.join(HERE, '..', '..', 'data', 'emoji-zoo') },
      size: { type: 'string', default: '80' },
      margin: { type: 'string' },
      styles: { type: 'string', default: ALL_STYLES.join(',') },
      augment: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('usage: node build.mjs [--out DIR] [--size 80] [--margin PX] [--styles ' + ALL_STYLES.join(',') + '] [--augment NAME]');
    process.exit(0);
  }
  try {
    await build({
      out: values.out,
      size: Number(values.size),
      margin: values.margin === undefined ? null : Number(values.margin),
      styles: values.styles.split(',').map((s) => s.trim()).filter(Boolean),
      augment: values.augment ?? null,
    });
  } catch (err) {
    console.error(`error: ${err.message}`);
    process.exit(1);
  }
}

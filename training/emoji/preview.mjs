#!/usr/bin/env node
// Contact sheet of the emoji zoo base images: one row per class (id order), images grouped
// by style (gaps between styles), on a light grey background.
//   node preview.mjs --out ../../data/emoji-zoo [--tile 40] [--sheet contact-sheet.png]
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    out: { type: 'string', default: path.join(HERE, '..', '..', 'data', 'emoji-zoo') },
    tile: { type: 'string', default: '40' },
    sheet: { type: 'string', default: path.join(HERE, 'contact-sheet.png') },
  },
});
const tile = Number(values.tile);
const manifest = JSON.parse(await readFile(path.join(values.out, 'classes.json'), 'utf8'));
const labelW = 80;
const gap = 8;
const pad = 2;

const escapeXml = (s) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
const composites = [];
let width = 0;
for (const [row, cls] of manifest.classes.entries()) {
  const top = pad + row * (tile + pad);
  let x = labelW;
  for (const style of manifest.styles) {
    for (const img of cls.images.filter((i) => i.style === style)) {
      const input = await sharp(path.join(values.out, img.file)).resize(tile, tile).toBuffer();
      composites.push({ input, left: x, top });
      x += tile;
    }
    x += gap;
  }
  width = Math.max(width, x);
  const text = `<svg xmlns="http://www.w3.org/2000/svg" width="${labelW}" height="${tile}"><text x="4" y="${tile / 2 + 5}" font-family="sans-serif" font-size="14">${escapeXml(`${cls.id} ${cls.label}`)}</text></svg>`;
  composites.push({ input: Buffer.from(text), left: 0, top });
}
const height = pad + manifest.classes.length * (tile + pad);
await sharp({ create: { width, height, channels: 3, background: { r: 225, g: 225, b: 225 } } })
  .composite(composites)
  .png({ palette: true, colours: 256, compressionLevel: 9 })
  .toFile(values.sheet);
const { size } = await import('node:fs').then((fs) => fs.statSync(values.sheet));
console.log(`${values.sheet}: ${width}x${height}, ${(size / 1024).toFixed(1)} KiB (styles left to right: ${manifest.styles.join(', ')})`);

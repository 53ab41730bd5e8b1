// Renders one image per class through a running service's HTTP API into a labelled grid PNG:
//   node dist/scripts/class-grid.js --url http://127.0.0.1:8080 --out models/emoji-zoo-64/samples.png [--seeds 2] [--scale 2] [--model NAME]
import { parseArgs } from 'node:util';
import sharp, { type OverlayOptions } from 'sharp';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: 'http://127.0.0.1:8080' },
    out: { type: 'string', default: 'samples.png' },
    seeds: { type: 'string', default: '1' },
    scale: { type: 'string', default: '2' },
    tau: { type: 'string' },
    cfg: { type: 'string' },
    model: { type: 'string' },
  },
});
const rows = Number(values.seeds);
const scale = Number(values.scale);

interface ModelInfo {
  name: string;
  labels: string[];
  image: { height: number; width: number };
}

// The named model, or the service's default.
const model = values.model
  ? ((await (await fetch(`${values.url}/models/${encodeURIComponent(values.model)}`)).json()) as ModelInfo)
  : ((await (await fetch(`${values.url}/models`)).json()) as { models: ModelInfo[] }).models[0]!;
if (!Array.isArray(model.labels)) throw new Error(`GET /models: ${JSON.stringify(model)}`);
const side = model.image.width * scale;
const labelHeight = 14;
const tiles: OverlayOptions[] = [];
for (let row = 0; row < rows; row++) {
  const images = await Promise.all(
    model.labels.map(async (label) => {
      const body: Record<string, unknown> = { model: model.name, class: label, seed: row };
      if (values.tau) body.tau = Number(values.tau);
      if (values.cfg) body.cfg = Number(values.cfg);
      const res = await fetch(`${values.url}/generate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(`${label}: HTTP ${res.status} ${await res.text()}`);
      return sharp(Buffer.from(await res.arrayBuffer())).resize(side, side, { kernel: 'nearest' }).png().toBuffer();
    }),
  );
  images.forEach((input, col) => tiles.push({ input, left: col * side, top: labelHeight + row * side }));
}
const labels = model.labels
  .map((label, col) => `<text x="${col * side + side / 2}" y="11" font-size="11" font-family="sans-serif" text-anchor="middle">${label}</text>`)
  .join('');
const width = side * model.labels.length;
tiles.push({ input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${labelHeight}">${labels}</svg>`), left: 0, top: 0 });
await sharp({ create: { width, height: labelHeight + rows * side, channels: 3, background: '#ffffff' } })
  .composite(tiles)
  .png()
  .toFile(values.out!);
console.log(`wrote ${values.out}: ${model.labels.length} classes x ${rows} seeds of ${model.name}`);

// Shows image input through a running service's HTTP API in one labelled PNG strip: an input picture
// (the model's own generation of --class at --seed, so no asset is needed), its variations at three
// strengths, a class transfer to --to, and an inpainting that repaints the right half.
//   npm run demo:image-input -- --url http://127.0.0.1:8080 --out docs/image-input.png [--class cat --to dog --seed 1 --scale 2]
// PURRCEPTION_API_KEY is sent as the bearer key when set.
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import sharp, { type OverlayOptions } from 'sharp';

export interface DemoOptions {
  url: string;
  out: string;
  /** The input picture's class; default cat, or the first label. */
  from?: string | undefined;
  /** The class transfer's target; default dog, or another label. */
  to?: string | undefined;
  seed?: number | undefined;
  /** Pixels per model pixel; default: panels of at least 128 px. */
  scale?: number | undefined;
  apiKey?: string | undefined;
}

/** One panel: its caption and the POST /generate body that made it. */
export interface Panel {
  caption: string;
  body: Record<string, unknown>;
  png: Buffer;
}

interface ModelInfo {
  name: string;
  labels: string[];
  image: { height: number; width: number };
  imageInput: boolean;
}

const STRENGTHS = [0.3, 0.6, 0.9];
const TRANSFER_STRENGTH = 0.8;
const GAP = 8;
const CAPTION = 16;

/** The panels of the strip, left to right, each generated through POST /generate. */
async function demoPanels(options: DemoOptions): Promise<{ model: ModelInfo; panels: Panel[] }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) };
  const modelRes = await fetch(`${options.url}/models`, { headers });
  if (!modelRes.ok) throw new Error(`GET /models: HTTP ${modelRes.status} ${await modelRes.text()}`);
  const model = ((await modelRes.json()) as { models: ModelInfo[] }).models[0]!; // the default model
  if (!model.imageInput) throw new Error(`the model ${model.name} has no encoder: it cannot start from an image`);
  const pick = (wanted: string | undefined, preferred: string, not?: string): string => {
    const label = wanted ?? (model.labels.includes(preferred) && preferred !== not ? preferred : model.labels.find((l) => l !== not));
    if (label === undefined || !model.labels.includes(label)) throw new Error(`no class "${wanted}": the model has ${model.labels.join(', ')}`);
    return label;
  };
  const from = pick(options.from, 'cat');
  const to = pick(options.to, 'dog', from);
  const seed = options.seed ?? 1;
  const generate = async (caption: string, body: Record<string, unknown>): Promise<Panel> => {
    const res = await fetch(`${options.url}/generate`, { method: 'POST', headers, body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${caption}: HTTP ${res.status} ${await res.text()}`);
    return { caption, body, png: Buffer.from(await res.arrayBuffer()) };
  };

  const input = await generate(`input: ${from}`, { class: from, seed });
  const image = input.png.toString('base64');
  const { width, height } = model.image;
  const rightHalf = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) rightHalf.fill(255, (y * width + Math.floor(width / 2)) * 3, (y + 1) * width * 3);
  const mask = (await sharp(rightHalf, { raw: { width, height, channels: 3 } }).png().toBuffer()).toString('base64');
  const panels = [
    input,
    ...(await Promise.all(STRENGTHS.map((strength) => generate(`strength ${strength}`, { class: from, seed: seed + 1, image, strength })))),
    await generate(`as ${to}`, { class: to, seed: seed + 1, image, strength: TRANSFER_STRENGTH }),
    await generate('right half repainted', { class: from, seed: seed + 2, image, mask, strength: 1 }),
  ];
  return { model, panels };
}

/** Writes the strip: the panels side by side, scaled up (nearest neighbour), each under its caption. */
export async function writeDemo(options: DemoOptions): Promise<{ panels: Panel[]; width: number; height: number; scale: number }> {
  const { model, panels } = await demoPanels(options);
  const scale = options.scale ?? Math.max(1, Math.ceil(128 / model.image.width));
  const [side, tall] = [model.image.width * scale, model.image.height * scale];
  const width = panels.length * side + (panels.length - 1) * GAP;
  const height = CAPTION + tall;
  const tiles: OverlayOptions[] = await Promise.all(
    panels.map(async (panel, i) => ({
      input: await sharp(panel.png).resize(side, tall, { kernel: 'nearest' }).png().toBuffer(),
      left: i * (side + GAP),
      top: CAPTION,
    })),
  );
  const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  const captions = panels
    .map((p, i) => `<text x="${i * (side + GAP) + side / 2}" y="12" font-size="11" font-family="sans-serif" text-anchor="middle">${escape(p.caption)}</text>`)
    .join('');
  tiles.push({ input: Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${CAPTION}">${captions}</svg>`), left: 0, top: 0 });
  await sharp({ create: { width, height, channels: 3, background: '#ffffff' } }).composite(tiles).removeAlpha().png().toFile(options.out);
  return { panels, width, height, scale };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:8080' },
      out: { type: 'string', default: 'image-input.png' },
      class: { type: 'string' },
      to: { type: 'string' },
      seed: { type: 'string' },
      scale: { type: 'string' },
    },
  });
  const { panels, width, height } = await writeDemo({
    url: values.url!,
    out: values.out!,
    from: values.class,
    to: values.to,
    seed: values.seed === undefined ? undefined : Number(values.seed),
    scale: values.scale === undefined ? undefined : Number(values.scale),
    apiKey: process.env['PURRCEPTION_API_KEY'],
  });
  console.log(`wrote ${values.out} (${width} x ${height}): ${panels.map((p) => p.caption).join(' | ')}`);
}

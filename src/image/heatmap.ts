// Per-position entropy [h, w] -> an RGB heatmap of the image size, aligned with the image: pixel
// (y, x) shows latent position (floor(y h / H), floor(x w / W)), the patch the decoder paints there.
// Colours: viridis (perceptually uniform, readable in grey and by colour-blind readers) on a fixed
// scale [0, max], so maps of different images and steps compare directly.

// viridis sampled at 0, 1/8, ..., 1 (matplotlib's table); linear in between.
const VIRIDIS: readonly (readonly [number, number, number])[] = [
  [68, 1, 84],
  [71, 45, 123],
  [59, 82, 139],
  [44, 114, 142],
  [33, 145, 140],
  [40, 174, 128],
  [94, 201, 98],
  [173, 220, 48],
  [253, 231, 37],
];

/** viridis(u) for u in [0, 1] (clamped), as RGB bytes. */
export function viridis(u: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(u) ? u : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const [a, b] = [VIRIDIS[i]!, VIRIDIS[i + 1]!];
  return [0, 1, 2].map((c) => Math.round(a[c]! + f * (b[c]! - a[c]!))) as [number, number, number];
}

export function heatmapRgb(
  map: Float32Array,
  grid: { height: number; width: number },
  image: { height: number; width: number },
  max: number,
): Uint8Array {
  const { height: H, width: W } = image;
  const colours = Array.from(map, (value) => viridis(value / max));
  const rgb = new Uint8Array(H * W * 3);
  for (let y = 0; y < H; y++) {
    const row = Math.floor((y * grid.height) / H);
    for (let x = 0; x < W; x++) {
      rgb.set(colours[row * grid.width + Math.floor((x * grid.width) / W)]!, (y * W + x) * 3);
    }
  }
  return rgb;
}

/** Mean and max of a map. */
export function summarize(map: Float32Array): { mean: number; max: number } {
  let sum = 0;
  let max = -Infinity;
  for (const v of map) {
    sum += v;
    if (v > max) max = v;
  }
  return { mean: map.length > 0 ? sum / map.length : 0, max: map.length > 0 ? max : 0 };
}

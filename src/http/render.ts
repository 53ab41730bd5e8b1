// Engine results -> what the API returns: encoded images, base64 for JSON and events, uncertainty
// heatmaps with their summary numbers, code grids, and the tokenizer's view of an image (POST /encode).
import { DEFAULT_QUALITY, encodeImage, encodePng } from '../image/encode.js';
import { heatmapRgb, summarize } from '../image/heatmap.js';
import type { EncodeResult, EntropyMaps, SampleResult } from '../engine/protocol.js';
import { MEDIA_TYPES, type EncodeJson, type GeneratedImage, type ImageFormat, type Uncertainty } from './schemas.js';

export interface EncodeOptions {
  format: ImageFormat;
  quality: number | undefined;
  /** Include the code grid, of this latent shape. */
  codes?: { height: number; width: number } | undefined;
}

/** Row-major codes -> rows of codes. */
export function codeGrid(codes: Int32Array, grid: { height: number; width: number }): number[][] {
  return Array.from({ length: grid.height }, (_, i) => Array.from(codes.subarray(i * grid.width, (i + 1) * grid.width)));
}

/** Mean squared error per byte, and PSNR in dB (null for identical images, where it is infinite). */
export function psnr(a: Uint8Array, b: Uint8Array): { mse: number; psnr: number | null } {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  const mse = sum / a.length;
  return { mse, psnr: mse === 0 ? null : 10 * Math.log10((255 * 255) / mse) };
}

/** Cells per code, most used first. */
export function codeUsage(codes: Int32Array): { code: number; cells: number }[] {
  const counts = new Map<number, number>();
  for (const code of codes) counts.set(code, (counts.get(code) ?? 0) + 1);
  return [...counts].map(([code, cells]) => ({ code, cells })).sort((x, y) => y.cells - x.cells || x.code - y.code);
}

/** POST /encode's answer: the codes, the input as the encoder saw it, its reconstruction and how close that is. */
export async function renderEncoding(
  result: EncodeResult,
  input: Uint8Array,
  shape: { image: { height: number; width: number }; latent: { height: number; width: number }; codebookSize: number },
): Promise<EncodeJson> {
  const { width, height } = shape.image;
  const reconstruction = result.reconstruction!; // asked for by the route
  const [inputPng, reconstructionPng] = await Promise.all([encodePng(input, width, height), encodePng(reconstruction, width, height)]);
  const counts = codeUsage(result.codes);
  return {
    width,
    height,
    codes: codeGrid(result.codes, shape.latent),
    input: inputPng.toString('base64'),
    reconstruction: reconstructionPng.toString('base64'),
    ...psnr(input, reconstruction),
    usage: { distinct: counts.length, codebookSize: shape.codebookSize, counts },
    timings: { queueMs: result.queueMs, encodeMs: result.computeMs },
  };
}

export async function renderUncertainty(entropy: EntropyMaps, image: { height: number; width: number }, codebookSize: number): Promise<Uncertainty> {
  // ln K is the entropy of the uniform posterior: the top of the scale whatever the image or step.
  const colormapMax = Math.log(codebookSize);
  const heatmap = async (map: Float32Array): Promise<string> =>
    (await encodePng(heatmapRgb(map, entropy, image, colormapMax), image.width, image.height)).toString('base64');
  const { atStep } = entropy;
  return {
    colormapMax,
    ...summarize(entropy.mean),
    heatmap: await heatmap(entropy.mean),
    ...(atStep ? { atStep: { step: atStep.step, ...summarize(atStep.map), heatmap: await heatmap(atStep.map) } } : {}),
  };
}

/** One image as the JSON answer (and the stream's `done` event) carry it. */
export async function renderImage(result: SampleResult, seed: number, options: EncodeOptions, codebookSize: number): Promise<GeneratedImage> {
  const started = performance.now();
  const bytes = await encodeImage(result.pixels, result.width, result.height, options.format, options.quality ?? DEFAULT_QUALITY);
  const encodeMs = performance.now() - started;
  const { width, height } = result;
  return {
    seed,
    mediaType: MEDIA_TYPES[options.format],
    data: bytes.toString('base64'),
    width,
    height,
    ...(result.meanEntropy === undefined ? {} : { meanEntropy: result.meanEntropy }),
    timings: { queueMs: result.queueMs, sampleMs: result.computeMs, encodeMs },
    ...(result.entropy ? { uncertainty: await renderUncertainty(result.entropy, { height, width }, codebookSize) } : {}),
    ...(options.codes ? { codes: codeGrid(result.codes, options.codes) } : {}),
  };
}

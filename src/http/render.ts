// Engine results -> what the API returns: encoded images, base64 for JSON and events, uncertainty
// heatmaps with their summary numbers.
import { DEFAULT_QUALITY, encodeImage, encodePng } from '../image/encode.js';
import { heatmapRgb, summarize } from '../image/heatmap.js';
import type { EntropyMaps, SampleResult } from '../engine/protocol.js';
import { MEDIA_TYPES, type GeneratedImage, type ImageFormat, type Uncertainty } from './schemas.js';

export interface EncodeOptions {
  format: ImageFormat;
  quality: number | undefined;
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
    meanEntropy: result.meanEntropy,
    timings: { queueMs: result.queueMs, sampleMs: result.computeMs, encodeMs },
    ...(result.entropy ? { uncertainty: await renderUncertainty(result.entropy, { height, width }, codebookSize) } : {}),
  };
}

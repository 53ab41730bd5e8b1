// Inputs for benchmarks that run a step graph directly, without the engine: the same pseudo-random
// z for every graph they compare (a fixed seed), and the `guide` input when the graph takes it
// (every row guided: guidance's full cost). z-taking graphs only (purrception, cfm; not dfm's codes).
import * as ort from 'onnxruntime-node';
import { guideAll } from '../src/engine/runner.js';

export interface StepShape {
  latent: { channels: number; height: number; width: number };
  num_classes: number;
}

export function stepFeeds(shape: StepShape, batch: number, inputNames: readonly string[], seed = 12345): Record<string, ort.Tensor> {
  let s = seed;
  const rand = (): number => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const { channels, height, width } = shape.latent;
  const feeds: Record<string, ort.Tensor> = {
    z: new ort.Tensor('float32', Float32Array.from({ length: batch * channels * height * width }, rand), [batch, channels, height, width]),
    t: new ort.Tensor('float32', Float32Array.from({ length: batch }, (_v, i) => (i % 10) / 10), [batch]),
    y: new ort.Tensor('int64', BigInt64Array.from({ length: batch }, (_v, i) => BigInt(i % shape.num_classes)), [batch]),
    cfg: new ort.Tensor('float32', new Float32Array(batch).fill(1.3), [batch]),
    tau: new ort.Tensor('float32', new Float32Array(batch).fill(0.9), [batch]),
  };
  if (inputNames.includes('guide')) feeds['guide'] = new ort.Tensor('int64', guideAll(batch), [batch]);
  return feeds;
}

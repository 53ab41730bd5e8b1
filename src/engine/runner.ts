// The model work the engine drives, as one interface: ONNX Runtime sessions in production
// (model/sessions.ts), fakes in tests. Batches are typed arrays of exactly `size` rows.

export interface Shape {
  latent: { channels: number; height: number; width: number };
  image: { height: number; width: number };
  /** The class id of the unconditional pass (a cfg-0 row runs with it). */
  null_class: number;
  /** dfm: the model samples codes 0..codebook_size - 1 (codebook_size is the mask token) instead of vectors. */
  objective?: string;
  codebook_size?: number;
}

/** A batch for the step graph; typed arrays hold exactly `size` rows. */
export interface StepBatch {
  size: number;
  /** dfm only: each row's codes [h, w] (its z is empty). */
  codes?: BigInt64Array;
  z: Float32Array;
  t: Float32Array;
  y: BigInt64Array;
  cfg: Float32Array;
  tau: Float32Array;
  /**
   * The rows to guide, increasing: they run a second, unconditional pass and get h_u + cfg (h_c - h_u).
   * Every other row is its conditional pass alone (its cfg is 1 here; a cfg-0 row comes with y = null).
   */
  guide: BigInt64Array;
}

/** What a step run gives per row: mu (and the posterior's entropy where there is one), or dfm's p(x_1 | x_t). */
export type StepOutput = { mu: Float32Array; entropy?: Float32Array } | { probs: Float32Array };

/** Every row of a batch of `size` guided: a StepBatch's `guide` for the full cost of guidance. */
export function guideAll(size: number): BigInt64Array {
  return BigInt64Array.from({ length: size }, (_, row) => BigInt(row));
}

export interface ModelRunner {
  /** entropy: [B,h,w], only from models with a posterior over codes (purrception; not cfm); dfm: probs [B,K,h,w]. */
  step(batch: StepBatch): Promise<StepOutput>;
  /** dfm: codes [B,h,w] -> image [B,3,H,W] in [-1, 1]. */
  decodeCodes?(codes: BigInt64Array, size: number): Promise<Float32Array>;
  /** z [B,C,h,w] -> image [B,3,H,W] in [-1, 1] and the code each cell was quantized to, [B,h,w]. */
  decode(z: Float32Array, size: number): Promise<{ image: Float32Array; codes: BigInt64Array }>;
  /** image [B,3,H,W] in [-1, 1] -> quantized z [B,C,h,w] and codes [B,h,w]; only models with an encoder. */
  encode?(image: Float32Array, size: number): Promise<{ z: Float32Array; codes: BigInt64Array }>;
  /** False for step graphs without the `guide` input, which run the unconditional pass on every row. */
  readonly guidesRows?: boolean;
}

// The sampler of docs/design.md as pure functions on Float32Array. The step graph computes mu (guidance,
// temperature and barycenter fused); the time grid, the temperature schedule and the Euler and Heun
// updates live here.
//
//   v(z, t) = (mu(z, t) - z) / (1 - t)          the velocity of the flow towards the barycenter
//   Euler:  z <- z + h v(z, t)                   h = (1 - t0)/T, t = t0 + s h, s = 0..T-1
//   Heun:   z' = z + h v(z, t);  z <- z + (h/2) (v(z, t) + v(z', t + h))   (not at the last step, where
//           t + h = 1 and v is undefined: the last step is an Euler step, which lands exactly on mu)
// t0 = 0 from noise; t0 = 1 - strength from an image, whose path z_t = t z_1 + (1 - t) z_0 also fixes
// the kept cells of a mask. Every formula reduces to the t0 = 0 one bit for bit (1 - 0 = 1, 0 + x = x),
// so strength 1 without a mask gives the bytes of the same request without an image.

export const SAMPLERS = ['euler', 'heun'] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/** Softmax temperature: constant, or varying linearly in t from `start` (t = 0) to `end` (t = 1). */
export type TauSchedule = number | { start: number; end: number };

/** Time of step s out of T over [start, 1]: t = start + (1 - start) s / T; exactly 1 at s = T. */
export function timeAt(step: number, steps: number, start = 0): number {
  return step === steps ? 1 : start + (1 - start) * (step / steps);
}

/** z_t = t z_1 + (1 - t) z_0 on every cell the mask keeps (mask[p] = 0; every cell without a mask), into `z`. */
export function pathPoint(z: Float32Array, z1: Float32Array, z0: Float32Array, t: number, mask?: Uint8Array): void {
  const cells = mask?.length ?? z.length; // z is [C, h, w]: element i is cell i mod (h w)
  for (let i = 0; i < z.length; i++) {
    if (mask === undefined || mask[i % cells] === 0) z[i] = t * z1[i]! + (1 - t) * z0[i]!;
  }
}

/** tau(t) = start + (end - start) t; a number is constant in t. */
export function tauAt(tau: TauSchedule, t: number): number {
  return typeof tau === 'number' ? tau : tau.start + (tau.end - tau.start) * t;
}

/** Model evaluations a sample needs: Euler T, Heun 2T - 1 (its last step is an Euler step). */
export function evaluationsFor(sampler: SamplerName, steps: number): number {
  return sampler === 'heun' ? 2 * steps - 1 : steps;
}

/** v = (mu - z) / (1 - t), written into `out`. */
export function velocity(out: Float32Array, z: Float32Array, mu: Float32Array, t: number): Float32Array {
  const inverse = 1 / (1 - t);
  for (let i = 0; i < z.length; i++) out[i] = (mu[i]! - z[i]!) * inverse;
  return out;
}

/**
 * One Euler step in place:  v = (mu - z) / (1 - t),  z <- z + h v,  h = (1 - start)/T.
 * At the last step (1 - t = h) the update lands on mu.
 */
export function eulerUpdate(z: Float32Array, mu: Float32Array, t: number, steps: number, start = 0): void {
  const scale = (1 - start) / steps / (1 - t);
  for (let i = 0; i < z.length; i++) z[i] = z[i]! + scale * (mu[i]! - z[i]!);
}

/** Heun's predictor: z' = z + h v1, into `out` (z itself is kept for the corrector). */
export function heunPredict(out: Float32Array, z: Float32Array, v1: Float32Array, steps: number, start = 0): Float32Array {
  const h = (1 - start) / steps;
  for (let i = 0; i < z.length; i++) out[i] = z[i]! + h * v1[i]!;
  return out;
}

/**
 * Heun's corrector in place: v2 = (mu2 - z') / (1 - (t + h)),  z <- z + (h/2) (v1 + v2), where mu2 is
 * the posterior mean at the predicted point z' and time t + h (< 1: never called at the last step).
 */
export function heunCorrect(z: Float32Array, v1: Float32Array, zPredicted: Float32Array, mu2: Float32Array, t: number, steps: number, start = 0): void {
  const h = (1 - start) / steps;
  const inverse = 1 / (1 - (t + h));
  for (let i = 0; i < z.length; i++) {
    const v2 = (mu2[i]! - zPredicted[i]!) * inverse;
    z[i] = z[i]! + (h / 2) * (v1[i]! + v2);
  }
}

/** Mean of a slice, for the per-position entropy of pi. */
export function mean(values: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return values.length > 0 ? sum / values.length : 0;
}

/** Decoder output CHW in [-1, 1] -> RGB bytes HWC:  round(clamp((x + 1) / 2, 0, 1) * 255). */
export function toRgbBytes(image: Float32Array, height: number, width: number): Uint8Array {
  const plane = height * width;
  const rgb = new Uint8Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    for (let p = 0; p < plane; p++) {
      const unit = Math.min(1, Math.max(0, (image[c * plane + p]! + 1) / 2));
      rgb[p * 3 + c] = Math.round(unit * 255);
    }
  }
  return rgb;
}

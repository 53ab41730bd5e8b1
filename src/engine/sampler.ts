// The sampler of DESIGN.md as pure functions on Float32Array. The step graph computes mu (guidance,
// temperature and barycenter fused); the Euler update and the time grid live here.

/** Time of Euler step s out of T: t = s / T, s = 0..T-1. */
export function timeAt(step: number, steps: number): number {
  return step / steps;
}

/**
 * One Euler step in place:  v = (mu - z) / (1 - t),  z <- z + (1/T) v.
 * At the last step (t = (T-1)/T) the update lands on mu.
 */
export function eulerUpdate(z: Float32Array, mu: Float32Array, t: number, steps: number): void {
  const scale = 1 / steps / (1 - t);
  for (let i = 0; i < z.length; i++) z[i] = z[i]! + scale * (mu[i]! - z[i]!);
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

// Bounds of the public API, shared by the request schema and the manifest validation.
export const LIMITS = {
  steps: { min: 1, max: 1000 },
  tau: { exclusiveMin: 0, max: 10 },
  cfg: { min: 0, max: 20 },
  seed: { min: 0, max: 0xffff_ffff },
} as const;

// Bounds of the public API, shared by the request schema and the manifest validation.
export const LIMITS = {
  steps: { min: 1, max: 1000 },
  tau: { exclusiveMin: 0, max: 10 },
  cfg: { min: 0, max: 20 },
  seed: { min: 0, max: 0xffff_ffff },
  /** Images per request; each is a sample of the batch, so n counts n times against the queue. */
  n: { min: 1, max: 16 },
  /** sharp's quality for webp and jpeg. */
  quality: { min: 1, max: 100 },
  previewEvery: { min: 1, max: 1000 },
} as const;

/** Previews larger than this (per side) are downscaled before they are sent. */
export const PREVIEW_MAX_SIDE = 128;

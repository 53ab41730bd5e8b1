// Bounds of the public API, shared by the request schema and the manifest validation, and the drain
// limit that the deployment files are checked against.
export const LIMITS = {
  steps: { min: 1, max: 1000 },
  /** Guidance interval bounds, in t. */
  guidance: { min: 0, max: 1 },
  /** Knots of a tuned time grid. */
  gridKnots: { min: 2, max: 101 },
  tau: { exclusiveMin: 0, max: 10 },
  cfg: { min: 0, max: 20 },
  seed: { min: 0, max: 0xffff_ffff },
  /** Images per request; each is a sample of the batch, so n counts n times against the queue. */
  n: { min: 1, max: 16 },
  /** sharp's quality for webp and jpeg. */
  quality: { min: 1, max: 100 },
  previewEvery: { min: 1, max: 1000 },
  /** How far from the image a sample starts: t0 = 1 - strength. */
  strength: { exclusiveMin: 0, max: 1, default: 0.6 },
} as const;

/**
 * Most pixels an input image (or mask) may declare; larger ones are refused before they are decoded
 * (sharp's limitInputPixels), so a small file that inflates to gigabytes (a decompression bomb) costs nothing.
 */
export const MAX_INPUT_PIXELS = 4096 * 4096;

/** Previews larger than this (per side) are downscaled before they are sent. */
export const PREVIEW_MAX_SIDE = 128;

/**
 * After SIGTERM, the longest the server keeps draining in-flight requests before it exits anyway
 * (close-with-grace's delay); the deployment files' grace periods must exceed it.
 */
export const DRAIN_DELAY_MS = 120_000;

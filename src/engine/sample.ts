// One image being generated: its request, its stepper (over a latent z, or dfm's codes), the entropy
// it has seen, its timings, and whether it was cancelled. A cancelled sample is only marked where an
// await holds it (a step, decode or encode run in flight); whoever holds it skips it afterwards.
import { EntropyRecord } from './entropy.js';
import type { SampleRequest, SampleResult } from './protocol.js';
import { GaussianRng } from './rng.js';
import { DfmStepper, latentStepper, pathPoint, type LatentStepper, type Schedule } from './sampler.js';

interface SampleState {
  id: number;
  request: SampleRequest;
  /** Whether the row is guided in the step run being applied (set when the batch is filled). */
  guided: boolean;
  cancelled: boolean;
  submittedAt: number;
  admittedAt: number;
}

/** A sample over a continuous latent: euler, heun, multistep, logsnr-multistep. */
export interface LatentSample extends SampleState {
  kind: 'latent';
  stepper: LatentStepper;
  entropy: EntropyRecord;
}

/** A dfm sample: codes, redrawn each step with its own stream of uniforms. */
export interface CodeSample extends SampleState {
  kind: 'codes';
  stepper: DfmStepper;
}

export type Sample = LatentSample | CodeSample;

export interface LatentGrid {
  channels: number;
  height: number;
  width: number;
}

/**
 * A sample at its start: z_0 ~ N(0, I) from its seed, or from an image z_t0 = t0 z_1 + (1 - t0) z_0 with
 * t0 = 1 - strength (z_0 itself at strength 1); a dfm sample (maskToken given) starts all-mask and draws
 * its uniforms from the seed's stream.
 */
export function createSample(id: number, request: SampleRequest, latent: LatentGrid, maskToken: number | undefined, now: number): Sample {
  const { start } = request;
  const schedule: Schedule = { steps: request.steps, t0: start ? 1 - start.strength : 0, grid: request.grid ?? 'uniform' };
  const state = { id, request, guided: false, cancelled: false, submittedAt: now, admittedAt: now };
  const positions = latent.height * latent.width;
  if (maskToken !== undefined) {
    return { ...state, kind: 'codes', stepper: new DfmStepper(positions, maskToken, schedule, new GaussianRng(request.seed)) };
  }
  const z0 = new GaussianRng(request.seed).fillGaussian(new Float32Array(latent.channels * positions));
  const z = start ? z0.slice() : z0;
  if (start) pathPoint(z, start.z1, z0, schedule.t0);
  const kept = start?.mask ? { z0, z1: start.z1, mask: start.mask } : undefined;
  return {
    ...state,
    kind: 'latent',
    stepper: latentStepper(request.sampler ?? 'euler', z, schedule, kept),
    entropy: new EntropyRecord(latent, request.uncertainty === true, request.uncertaintyStep),
  };
}

/** A finished sample's answer, given its decoded pixels and codes; `now` closes its compute time. */
export function sampleResult(sample: Sample, image: { pixels: Uint8Array; width: number; height: number }, codes: Int32Array, now: number): SampleResult {
  const { steps } = sample.request;
  const meanEntropy = sample.kind === 'latent' ? sample.entropy.meanOver(steps) : undefined;
  const maps = sample.kind === 'latent' ? sample.entropy.mapsOver(steps) : undefined;
  return {
    ...image,
    codes,
    ...(meanEntropy === undefined ? {} : { meanEntropy }),
    ...(maps ? { entropy: maps } : {}),
    queueMs: sample.admittedAt - sample.submittedAt,
    computeMs: now - sample.admittedAt,
  };
}

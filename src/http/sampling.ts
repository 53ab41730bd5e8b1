// From a validated request body to the engine's SampleRequests: class label -> id, the model's
// defaults, seeds seed..seed+n-1, and the checks that need the resolved values.
import { randomInt } from 'node:crypto';
import { InvalidOptionError, UnknownClassError } from '../errors.js';
import { gridProblem } from '../engine/sampler.js';
import { defaultTau, hasEncoder, hasPosterior, objectiveOf, samplesCodes, type Manifest } from '../model/manifest.js';
import { IMAGE_FIELDS } from './image-input.js';
import type { SampleRequest } from '../engine/protocol.js';
import type { GenerateBody, StreamBody } from './schemas.js';

export function resolveClass(manifest: Manifest, value: number | string): number {
  const { labels, num_classes: numClasses } = manifest;
  if (typeof value === 'number') {
    if (value < numClasses) return value;
    throw new UnknownClassError(`body/class ${value} is out of range: this model has class ids 0..${numClasses - 1}`);
  }
  const id = labels.indexOf(value);
  if (id >= 0) return id;
  throw new UnknownClassError(`body/class "${value}" is not a label of this model. Should be one of: ${labels.join(', ')}`);
}

/** Request fields that need a posterior over codes (a purrception model). */
export const POSTERIOR_FIELDS = ['tau', 'uncertainty', 'uncertaintyStep'] as const;
/** Request fields of the samplers that move z, which a dfm model (it samples codes) does not take. */
export const TRAJECTORY_FIELDS = ['sampler', 'grid', 'previewEvery'] as const;

/** The request fields a model refuses with 400 (GET /models lists them). */
export function refusedFields(manifest: Manifest): string[] {
  return [
    ...(hasPosterior(manifest) ? [] : POSTERIOR_FIELDS),
    ...(samplesCodes(manifest) ? TRAJECTORY_FIELDS : []),
    ...(hasEncoder(manifest) ? [] : IMAGE_FIELDS),
  ];
}

/** Why a model without a posterior refuses a field, by objective. */
function refusal(manifest: Manifest): string {
  return samplesCodes(manifest)
    ? 'which samples codes with the DFM sampler, so it has no temperature, no uncertainty maps, no choice of sampler or time grid and no previews'
    : 'which predicts a vector, not a posterior over codes, so it has no temperature and no uncertainty';
}

/**
 * The smallest temperature the engine gets. The model divides float32 logits by tau: a tau near float32's
 * smallest normal (~1.2e-38) or below makes logits / tau overflow and the softmax NaN (a NaN posterior,
 * mean entropy and image; schemathesis found it with tau = 5e-324). At 1e-30 the posterior is already
 * its argmax for any logits a model makes, so a smaller tau means the same and samples as this one.
 */
export const MIN_TAU = 1e-30;
const atLeastMinTau = (tau: number): number => Math.max(tau, MIN_TAU);

/** The sample of image 0; image i differs only by its seed. */
export function toSampleRequest(manifest: Manifest, body: GenerateBody | StreamBody): SampleRequest {
  const { defaults } = manifest;
  const fields = body as Partial<Record<string, unknown>>;
  const field = refusedFields(manifest).find((name) => fields[name] !== undefined && !(IMAGE_FIELDS as readonly string[]).includes(name));
  if (field !== undefined) {
    throw new InvalidOptionError(
      `body/${field} does not apply to the model ${manifest.name}: it is a ${objectiveOf(manifest)} model, ${refusal(manifest)} (GET /models lists its refusedFields)`,
    );
  }
  const steps = body.steps ?? defaults.steps;
  const uncertainty = body.uncertainty === true || body.uncertaintyStep !== undefined; // a step implies the maps
  if (body.uncertaintyStep !== undefined && body.uncertaintyStep >= steps) {
    throw new InvalidOptionError(`body/uncertaintyStep must be < steps (${steps}), got ${body.uncertaintyStep}`);
  }
  if (body.guidance && body.guidance.from > body.guidance.to) {
    throw new InvalidOptionError(`body/guidance must have from <= to, got from ${body.guidance.from} and to ${body.guidance.to}`);
  }
  const gridWrong = gridProblem(body.grid);
  if (gridWrong !== undefined) throw new InvalidOptionError(`body/grid ${gridWrong}`);
  const guidance = body.guidance ?? defaults.guidance;
  return {
    classId: resolveClass(manifest, body.class),
    tau: typeof body.tau === 'object'
      ? { start: atLeastMinTau(body.tau.start), end: atLeastMinTau(body.tau.end) }
      : atLeastMinTau(body.tau ?? defaultTau(manifest)),
    cfg: body.cfg ?? defaults.cfg,
    steps,
    seed: body.seed ?? randomInt(0, 2 ** 32),
    sampler: body.sampler ?? defaults.sampler ?? 'euler',
    grid: body.grid ?? defaults.grid ?? 'uniform',
    ...(guidance ? { guidance: { from: guidance.from, to: guidance.to } } : {}),
    ...(uncertainty ? { uncertainty } : {}),
    ...(body.uncertaintyStep !== undefined ? { uncertaintyStep: body.uncertaintyStep } : {}),
  };
}

/** n samples with seeds (seed + i) mod 2^32; they enter the engine together and batch together. */
export function withSeeds(first: SampleRequest, n: number): SampleRequest[] {
  return Array.from({ length: n }, (_, i) => ({ ...first, seed: (first.seed + i) % 2 ** 32 }));
}

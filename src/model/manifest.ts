// The `purrception.onnx.v1` model contract (docs/design.md): reading and validating manifest.json.
// Every problem is reported with the file and the field, so a broken model fails start-up clearly.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { PROVIDERS, type Provider } from '../config.js';
import { ModelError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { GRIDS, SAMPLERS, gridProblem } from '../engine/sampler.js';

export const MODEL_FORMAT = 'purrception.onnx.v1';

/**
 * What the step graph's DiT was trained to predict (the reference code's names). Three serve through
 * the mu contract: purrception computes mu as the barycenter of a posterior over codes (tau, entropy);
 * cfm-endpoint predicts mu itself and cfm the velocity v, exported as mu = z + (1 - t) v. Neither has
 * a posterior, so their step graphs take no tau and give no entropy. dfm samples codes, not vectors:
 * its step graph maps codes (K = mask) to p(x_1 | x_t) and its decode graph takes codes.
 */
export const OBJECTIVES = ['purrception', 'cfm', 'cfm-endpoint', 'dfm'] as const;
export type Objective = (typeof OBJECTIVES)[number];

const PositiveInt = Type.Integer({ minimum: 1 });
const InUnit = Type.Number({ minimum: LIMITS.guidance.min, maximum: LIMITS.guidance.max });
const ManifestSchema = Type.Object({
  format: Type.Literal(MODEL_FORMAT),
  name: Type.String({ minLength: 1 }),
  description: Type.String(),
  /** Absent: purrception (models exported before the field). */
  objective: Type.Optional(Type.Union(OBJECTIVES.map((name) => Type.Literal(name)))),
  image: Type.Object({ height: PositiveInt, width: PositiveInt }),
  latent: Type.Object({ channels: PositiveInt, height: PositiveInt, width: PositiveInt }),
  codebook_size: Type.Integer({ minimum: 2 }),
  num_classes: PositiveInt,
  null_class: Type.Integer({ minimum: 0 }),
  labels: Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]*$', maxLength: 64 })),
  defaults: Type.Object({
    steps: Type.Integer({ minimum: LIMITS.steps.min, maximum: LIMITS.steps.max }),
    /** Required for purrception; models without a posterior have no temperature. */
    tau: Type.Optional(Type.Number({ exclusiveMinimum: LIMITS.tau.exclusiveMin, maximum: LIMITS.tau.max })),
    cfg: Type.Number({ minimum: LIMITS.cfg.min, maximum: LIMITS.cfg.max }),
    /** Optional, measured per model (docs/samplers.md); absent: euler, uniform, guidance everywhere. */
    sampler: Type.Optional(Type.Union(SAMPLERS.map((name) => Type.Literal(name)))),
    /** A named grid, or knots tuned for this model (bench/tune-grid.ts). */
    grid: Type.Optional(
      Type.Union([
        ...GRIDS.map((name) => Type.Literal(name)),
        Type.Array(InUnit, { minItems: LIMITS.gridKnots.min, maxItems: LIMITS.gridKnots.max }),
      ]),
    ),
    guidance: Type.Optional(Type.Object({ from: InUnit, to: InUnit }, { additionalProperties: false })),
  }),
  graphs: Type.Object({
    step: Type.String({ minLength: 1 }),
    decode: Type.String({ minLength: 1 }),
    /** Optional: image -> (z, codes), the VQ encoder. Without it the model takes no image input. */
    encode: Type.Optional(Type.String({ minLength: 1 })),
  }),
  /**
   * Optional per-provider files of a graph, e.g. `{"step": {"cuda": "step.fp16.onnx"}}`: a provider
   * named here loads that file, every other provider loads `graphs`. Same inputs and outputs.
   */
  variants: Type.Optional(
    Type.Object(
      {
        step: Type.Optional(Type.Record(Type.String(), Type.String({ minLength: 1 }))),
        decode: Type.Optional(Type.Record(Type.String(), Type.String({ minLength: 1 }))),
        encode: Type.Optional(Type.Record(Type.String(), Type.String({ minLength: 1 }))),
      },
      { additionalProperties: false },
    ),
  ),
  provenance: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});

export type Manifest = Static<typeof ManifestSchema>;

export const GRAPHS = ['step', 'decode', 'encode'] as const;
export type GraphName = (typeof GRAPHS)[number];

/** The manifest plus the absolute paths of its graphs. */
export interface ModelSpec {
  dir: string;
  manifest: Manifest;
  stepPath: string;
  decodePath: string;
  /** Only when the model has an encoder. */
  encodePath?: string;
  /** Absolute paths of the per-provider variants (manifest "variants"); may be empty. */
  variants: Record<GraphName, Partial<Record<Provider, string>>>;
}

export function objectiveOf(manifest: Manifest): Objective {
  return manifest.objective ?? 'purrception';
}

/** True when the step graph computes a posterior over codes: tau applies and it reports its entropy. */
export function hasPosterior(manifest: Manifest): boolean {
  return objectiveOf(manifest) === 'purrception';
}

/** True for dfm: the engine samples codes with the reference code's DFM sampler, not a trajectory of z. */
export function samplesCodes(manifest: Manifest): boolean {
  return objectiveOf(manifest) === 'dfm';
}

/** The default temperature; 1 for a model without a posterior, whose step graph takes none. */
export function defaultTau(manifest: Manifest): number {
  return manifest.defaults.tau ?? 1;
}

/** True when the model can start from an image (its manifest lists an encode graph). */
export function hasEncoder(manifest: Manifest): boolean {
  return manifest.graphs.encode !== undefined;
}

/** The file a provider loads for a graph: its variant if the manifest declares one, else the graph. */
export function graphPathFor(spec: ModelSpec, graph: GraphName, provider: Provider): string {
  const paths = { step: spec.stepPath, decode: spec.decodePath, encode: spec.encodePath };
  const path = spec.variants[graph][provider] ?? paths[graph];
  if (path === undefined) throw new ModelError(`${join(spec.dir, 'manifest.json')}: the model has no ${graph} graph`);
  return path;
}

function fieldName(path: string): string {
  return path === '' ? '(root)' : path.slice(1).replaceAll('/', '.');
}

export function validateManifest(value: unknown, file: string): Manifest {
  const first = Value.Errors(ManifestSchema, value).First();
  if (first) throw new ModelError(`${file}: field "${fieldName(first.path)}" ${first.message.toLowerCase()}`);
  const manifest = value as Manifest;
  const { labels, num_classes: numClasses, null_class: nullClass } = manifest;
  if (labels.length !== numClasses) {
    throw new ModelError(`${file}: field "labels" has ${labels.length} names but num_classes is ${numClasses}`);
  }
  if (new Set(labels).size !== labels.length) throw new ModelError(`${file}: field "labels" has duplicate names`);
  if (nullClass !== numClasses) {
    throw new ModelError(`${file}: field "null_class" must equal num_classes (${numClasses}), got ${nullClass}`);
  }
  if (hasPosterior(manifest) && manifest.defaults.tau === undefined) {
    throw new ModelError(`${file}: field "defaults.tau" is required for a ${objectiveOf(manifest)} model (the posterior's temperature)`);
  }
  for (const field of ['sampler', 'grid'] as const) {
    if (samplesCodes(manifest) && manifest.defaults[field] !== undefined) {
      throw new ModelError(`${file}: field "defaults.${field}" does not apply to a dfm model (it samples codes with the DFM sampler)`);
    }
  }
  if (samplesCodes(manifest) && hasEncoder(manifest)) {
    throw new ModelError(`${file}: field "graphs.encode" does not apply to a dfm model (image input starts on the Gaussian path of z)`);
  }
  const gridWrong = gridProblem(manifest.defaults.grid);
  if (gridWrong !== undefined) throw new ModelError(`${file}: field "defaults.grid" ${gridWrong}`);
  const guidance = manifest.defaults.guidance;
  if (guidance && guidance.from > guidance.to) {
    throw new ModelError(`${file}: field "defaults.guidance" must have from <= to, got from ${guidance.from} and to ${guidance.to}`);
  }
  if (manifest.variants?.encode !== undefined && manifest.graphs.encode === undefined) {
    throw new ModelError(`${file}: field "variants.encode" names files of an encode graph, but "graphs.encode" is absent`);
  }
  for (const [graph, byProvider] of Object.entries(manifest.variants ?? {})) {
    for (const provider of Object.keys(byProvider ?? {})) {
      if (!(PROVIDERS as readonly string[]).includes(provider)) {
        throw new ModelError(
          `${file}: field "variants.${graph}" names unsupported execution provider "${provider}". Should be one of: ${PROVIDERS.join(', ')}`,
        );
      }
    }
  }
  return manifest;
}

export function loadModelSpec(dir: string): ModelSpec {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) throw new ModelError(`${file}: not found (MODEL_DIR must hold a ${MODEL_FORMAT} model)`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ModelError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const manifest = validateManifest(parsed, file);
  const existing = (field: string, name: string): string => {
    const path = join(dir, name);
    if (!existsSync(path)) throw new ModelError(`${file}: field "${field}" names ${path}, which does not exist`);
    return path;
  };
  const variants: ModelSpec['variants'] = { step: {}, decode: {}, encode: {} };
  for (const graph of GRAPHS) {
    for (const [provider, name] of Object.entries(manifest.variants?.[graph] ?? {})) {
      variants[graph][provider as Provider] = existing(`variants.${graph}.${provider}`, name);
    }
  }
  const { step, decode, encode } = manifest.graphs;
  return {
    dir,
    manifest,
    stepPath: existing('graphs.step', step),
    decodePath: existing('graphs.decode', decode),
    ...(encode !== undefined ? { encodePath: existing('graphs.encode', encode) } : {}),
    variants,
  };
}

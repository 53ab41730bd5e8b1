// Request and response schemas of every route: the single source of validation and of openapi.json.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { LIMITS } from '../limits.js';
import { SAMPLERS } from '../engine/sampler.js';

export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String({ description: 'Stable machine-readable error code' }),
    error: Type.String(),
    message: Type.String({ description: 'What was wrong, naming the field' }),
  },
  { $id: 'ErrorResponse', description: 'Every error has this shape' },
);

/** A string enum as `{type: string, enum}` (clearer in OpenAPI and in error messages than anyOf). */
function StringEnum<const T extends readonly string[]>(values: T, options: { description: string; default?: T[number] }) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

export const FORMATS = ['png', 'webp', 'jpeg'] as const;
export type ImageFormat = (typeof FORMATS)[number];
export const MEDIA_TYPES: Record<ImageFormat, string> = { png: 'image/png', webp: 'image/webp', jpeg: 'image/jpeg' };

const tauValue = (description: string) =>
  Type.Number({ exclusiveMinimum: LIMITS.tau.exclusiveMin, maximum: LIMITS.tau.max, description });

/** The fields that decide a sample; shared by POST /generate and POST /generate/stream. */
const samplingFields = {
  class: Type.Union(
    [
      Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Class id' }),
      Type.String({ minLength: 1, maxLength: 64, description: 'Class label, as listed by GET /models' }),
    ],
    { description: 'The class to draw, by id or label' },
  ),
  tau: Type.Optional(
    Type.Union(
      [
        tauValue('Constant temperature'),
        Type.Object(
          { start: tauValue('tau at t = 0'), end: tauValue('tau at t = 1') },
          { additionalProperties: false, description: 'tau(t) = start + (end - start) t, evaluated at each model evaluation\'s t' },
        ),
      ],
      { description: 'Softmax temperature of the posterior over codes: a number, or {start, end} varying linearly in t (default: the model\'s)' },
    ),
  ),
  cfg: Type.Optional(
    Type.Number({
      minimum: LIMITS.cfg.min,
      maximum: LIMITS.cfg.max,
      description: 'Classifier-free guidance weight: 0 unconditional, 1 plain conditional (default: the model\'s)',
    }),
  ),
  steps: Type.Optional(
    Type.Integer({
      minimum: LIMITS.steps.min,
      maximum: LIMITS.steps.max,
      description: 'Time steps T (default: the model\'s). Euler evaluates the model T times, Heun 2T - 1 times',
    }),
  ),
  seed: Type.Optional(
    Type.Integer({
      minimum: LIMITS.seed.min,
      maximum: LIMITS.seed.max,
      description: 'Seed of the initial noise; the same request with the same seed gives the same bytes. Image i uses (seed + i) mod 2^32',
    }),
  ),
  sampler: Type.Optional(
    StringEnum(SAMPLERS, {
      description: 'ODE solver on v = (mu - z) / (1 - t): euler (1st order), or heun (2nd order; its last step is an Euler step)',
      default: 'euler',
    }),
  ),
  uncertainty: Type.Optional(
    Type.Boolean({
      description: 'Return the per-position entropy of the posterior as heatmaps and summary numbers (JSON responses and the stream only)',
    }),
  ),
  uncertaintyStep: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: LIMITS.steps.max - 1,
      description: 'With uncertainty: also return the entropy map at this step (0..steps-1, t = step/T)',
    }),
  ),
};

export const GenerateBody = Type.Object(
  {
    ...samplingFields,
    n: Type.Optional(
      Type.Integer({
        minimum: LIMITS.n.min,
        maximum: LIMITS.n.max,
        description: 'Images to generate, with seeds seed, seed+1, ...: one grid image, or a list with Accept: application/json',
      }),
    ),
    format: Type.Optional(StringEnum(FORMATS, { description: 'Image format', default: 'png' })),
    quality: Type.Optional(
      Type.Integer({ minimum: LIMITS.quality.min, maximum: LIMITS.quality.max, description: 'webp and jpeg quality (default 90; png is lossless)' }),
    ),
  },
  { additionalProperties: false },
);
export type GenerateBody = Static<typeof GenerateBody>;

export const StreamBody = Type.Object(
  {
    ...samplingFields,
    previewEvery: Type.Optional(
      Type.Integer({
        minimum: LIMITS.previewEvery.min,
        maximum: LIMITS.previewEvery.max,
        description: 'Send a preview (the decode of the current mu) every k steps (default: none)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type StreamBody = Static<typeof StreamBody>;


export const Uncertainty = Type.Object(
  {
    colormapMax: Type.Number({ description: 'Entropy at the top of the colormap: ln K, the entropy of a uniform posterior' }),
    mean: Type.Number({ description: 'Mean over positions of the per-position entropy averaged over the trajectory (t = s/T)' }),
    max: Type.Number(),
    heatmap: Type.String({
      description: 'PNG (base64) of the image size: viridis from 0 nats (dark) to colormapMax (yellow), one block per latent position',
    }),
    atStep: Type.Optional(
      Type.Object(
        { step: Type.Integer(), mean: Type.Number(), max: Type.Number(), heatmap: Type.String({ description: 'PNG (base64) of the map at this step' }) },
        { description: 'The same at step `uncertaintyStep`' },
      ),
    ),
  },
  { $id: 'Uncertainty', description: 'Entropy of the posterior over codes, per latent position' },
);

const Timings = Type.Object({
  queueMs: Type.Number({ description: 'Waiting for a batch slot' }),
  sampleMs: Type.Number({ description: 'Sampling and decoding' }),
  encodeMs: Type.Number({ description: 'Image encoding' }),
});

export const GeneratedImage = Type.Object(
  {
    seed: Type.Integer(),
    mediaType: Type.String(),
    data: Type.String({ description: 'The image, base64' }),
    width: Type.Integer(),
    height: Type.Integer(),
    meanEntropy: Type.Number({ description: 'Entropy of the posterior in nats, averaged over positions and steps' }),
    timings: Timings,
    uncertainty: Type.Optional(Type.Ref(Uncertainty)),
  },
  { $id: 'GeneratedImage' },
);

export const GenerateJson = Type.Object(
  {
    class: Type.String(),
    classId: Type.Integer(),
    sampler: Type.String(),
    steps: Type.Integer(),
    images: Type.Array(Type.Ref(GeneratedImage)),
  },
  { $id: 'GenerateJson', description: 'Answer to Accept: application/json' },
);
export type GenerateJson = Static<typeof GenerateJson>;
export type GeneratedImage = Static<typeof GeneratedImage>;
export type Uncertainty = Static<typeof Uncertainty>;

const binary = { type: 'string', format: 'binary' } as const;
export const GenerateResponse = {
  description:
    'The image (a grid of n images, row-major, for n > 1) in the requested format, or JSON with Accept: application/json. ' +
    'Headers: X-Seed (the first seed), X-Class, Server-Timing, X-Cache, X-Mean-Entropy.',
  content: {
    'image/png': { schema: binary },
    'image/webp': { schema: binary },
    'image/jpeg': { schema: binary },
    'application/json': { schema: Type.Ref(GenerateJson) },
  },
} as const;

export const StreamResponse = {
  description:
    'Server-sent events: `queued` {position}, `step` {step, steps}, `preview` {step, steps, width, height, image (base64 PNG)} every ' +
    'previewEvery steps, then `done` (a GeneratedImage plus class) or `error` (an ErrorResponse). Closing the connection cancels the work.',
  content: { 'text/event-stream': { schema: { type: 'string' } } },
} as const;

export const ModelInfo = Type.Object({
  format: Type.String(),
  name: Type.String(),
  description: Type.String(),
  image: Type.Object({ height: Type.Integer(), width: Type.Integer() }),
  latent: Type.Object({ channels: Type.Integer(), height: Type.Integer(), width: Type.Integer() }),
  codebook_size: Type.Integer(),
  num_classes: Type.Integer(),
  labels: Type.Array(Type.String()),
  defaults: Type.Object({ steps: Type.Integer(), tau: Type.Number(), cfg: Type.Number() }),
  providers: Type.Object({ step: Type.String(), decode: Type.String() }, { description: 'Execution provider running each graph' }),
  limits: Type.Object({ maxBatch: Type.Integer(), queueLimit: Type.Integer(), maxImages: Type.Integer() }),
});

export const Status = Type.Object({ status: Type.String() });

/** Schemas referenced by $id, registered once with app.addSchema. */
export const SHARED_SCHEMAS: TSchema[] = [ErrorResponse, Uncertainty, GeneratedImage, GenerateJson];

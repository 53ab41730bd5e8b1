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
    format: Type.Optional(
      StringEnum(FORMATS, {
        description: 'Image format. Without it, Accept picks one (image/png, image/webp or image/jpeg); png when Accept allows any',
      }),
    ),
    quality: Type.Optional(
      Type.Integer({
        minimum: LIMITS.quality.min,
        maximum: LIMITS.quality.max,
        description: 'webp and jpeg quality (default 90); refused (400) when the image format is png, which is lossless',
      }),
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

const imageFields = {
  seed: Type.Integer(),
  mediaType: Type.String(),
  data: Type.String({ description: 'The image, base64' }),
  width: Type.Integer(),
  height: Type.Integer(),
  meanEntropy: Type.Number({ description: 'Entropy of the posterior in nats, averaged over positions and steps' }),
  timings: Timings,
  uncertainty: Type.Optional(Type.Ref(Uncertainty)),
};

export const GeneratedImage = Type.Object(imageFields, { $id: 'GeneratedImage' });
export type GeneratedImage = Static<typeof GeneratedImage>;

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
export type Uncertainty = Static<typeof Uncertainty>;

const binary = { type: 'string', format: 'binary' } as const;
const header = (description: string, schema: object = { type: 'string' }) => ({ description, ...schema });
export const GenerateResponse = {
  description:
    'The image (a grid of n images, row-major, for n > 1) in the format of `format` or else the one Accept prefers, or JSON with every ' +
    'image when Accept prefers application/json (q-values honoured; a tie goes to the image).',
  headers: {
    'X-Seed': header('The first seed (image i used seed + i)', { type: 'integer' }),
    'X-Class': header('The class label'),
    'X-Cache': header('hit or miss for seeded image answers, off otherwise', { type: 'string', enum: ['hit', 'miss', 'off'] }),
    'X-Mean-Entropy': header('Entropy of the posterior in nats, averaged over positions, steps and images', { type: 'number' }),
    'Server-Timing': header('queue, sample and encode durations in ms'),
  },
  content: {
    'image/png': { schema: binary },
    'image/webp': { schema: binary },
    'image/jpeg': { schema: binary },
    'application/json': { schema: Type.Ref(GenerateJson) },
  },
} as const;

// The stream's events. Each event's data carries its name in `type`, so a client that only sees the
// parsed data (as generated SDKs do) can still tell the events apart.
const eventType = <T extends string>(name: T) => Type.Literal(name, { description: `The event's name: ${name}` });
export const QueuedEvent = Type.Object(
  { type: eventType('queued'), position: Type.Integer({ description: 'Images that must leave the batch before this one joins (0: it joins at the next iteration)' }) },
  { $id: 'QueuedEvent', description: 'First event: the sample is admitted' },
);
export const StepEvent = Type.Object(
  { type: eventType('step'), step: Type.Integer(), steps: Type.Integer() },
  { $id: 'StepEvent', description: 'After each of the steps' },
);
export const PreviewEvent = Type.Object(
  {
    type: eventType('preview'),
    step: Type.Integer(),
    steps: Type.Integer(),
    width: Type.Integer(),
    height: Type.Integer(),
    image: Type.String({ description: 'PNG (base64) of the decode of the current mu, at most 128 px a side' }),
  },
  { $id: 'PreviewEvent', description: 'Every previewEvery steps, when asked for' },
);
export const DoneEvent = Type.Object(
  { type: eventType('done'), class: Type.String(), ...imageFields },
  { $id: 'DoneEvent', description: 'Last event on success: the image as in the JSON answer, plus its class' },
);
export const ErrorEvent = Type.Object(
  { type: eventType('error'), ...ErrorResponse.properties },
  { $id: 'ErrorEvent', description: 'Last event on failure, in the shape of every error' },
);
const STREAM_EVENTS = [QueuedEvent, StepEvent, PreviewEvent, DoneEvent, ErrorEvent];
export type StreamEvent = Static<(typeof STREAM_EVENTS)[number]>;
export const StreamEventSchema = Type.Union(
  STREAM_EVENTS.map((event) => Type.Ref(event)),
  { $id: 'StreamEvent', description: 'One server-sent event\'s data (JSON); `type` repeats the event\'s name' },
);

export const StreamResponse = {
  description:
    'Server-sent events, each with its name as the SSE event and in `type`: `queued`, `step` after each step, `preview` every previewEvery ' +
    'steps, then `done` or `error`. Closing the connection cancels the work.',
  content: { 'text/event-stream': { schema: Type.Ref(StreamEventSchema) } },
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
  limits: Type.Object({
    maxBatch: Type.Integer({ description: 'Most images sampled together in one step-graph run (MAX_BATCH)' }),
    queueLimit: Type.Integer({ description: 'Most images waiting for a batch slot (QUEUE_LIMIT); a request of n images needs n places' }),
    maxImages: Type.Integer({ description: 'Most images in one request (n)' }),
  }),
});

export const Status = Type.Object({ status: Type.String() });

/** /ready's 503: the state, and why in the shape of every error. */
export const NotReady = Type.Object(
  { status: Type.String({ description: 'loading, failed or draining' }), ...ErrorResponse.properties },
  { description: 'Not ready: NOT_READY (loading), ENGINE_FAILED or DRAINING; Retry-After says when to ask again' },
);

const ERROR_MEANINGS = {
  400: 'The body or an option is invalid; the message names the field',
  401: 'A missing or wrong API key (only when the server sets API_KEYS)',
  406: 'Accept allows none of the media types this operation answers',
  413: 'The body is larger than BODY_LIMIT',
  415: 'The body is not application/json',
  429: 'The API key is past RATE_LIMIT requests per minute; Retry-After says when to retry',
  500: 'The generation failed; the error is logged',
  503: 'QUEUE_FULL, NOT_READY, ENGINE_FAILED or DRAINING; Retry-After says when to retry',
  504: 'The generation ran past REQUEST_TIMEOUT_MS and was cancelled',
} as const;
type ErrorStatus = keyof typeof ERROR_MEANINGS;
const RETRY_AFTER = { 'Retry-After': header('Seconds to wait before retrying', { type: 'integer' }) };

/** Response schemas of these error statuses, each the ErrorResponse shape with what it means here. */
export function errorResponses(...statuses: ErrorStatus[]): Record<number, object> {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      { ...Type.Ref(ErrorResponse), description: ERROR_MEANINGS[status], ...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}) },
    ]),
  );
}

/** Schemas referenced by $id, registered once with app.addSchema. */
export const SHARED_SCHEMAS: TSchema[] = [ErrorResponse, Uncertainty, GeneratedImage, GenerateJson, ...STREAM_EVENTS, StreamEventSchema];

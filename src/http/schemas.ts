// Request and response schemas of every route: the single source of validation and of openapi.json.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { LIMITS } from '../limits.js';
import { GRIDS, SAMPLERS } from '../engine/sampler.js';

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

/** Which served model a request runs on, by its name; shared by every generation and encode body. */
const modelField = {
  model: Type.Optional(
    Type.String({ minLength: 1, maxLength: 128, description: 'The model to run, by its name as listed by GET /models (default: the first listed)' }),
  ),
};

/** The fields that decide a sample; shared by POST /generate and POST /generate/stream. */
const samplingFields = {
  ...modelField,
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
      {
        description:
          'Softmax temperature of the posterior over codes: a number, or {start, end} varying linearly in t (default: the model\'s). ' +
          'Below 1e-30 it samples as 1e-30, where the posterior is already its argmax',
      },
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
      description: 'Time steps T (default: the model\'s). Euler and multistep evaluate the model T times, Heun 2T - 1 times',
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
      description:
        'ODE solver on v = (mu - z) / (1 - t) (default: the model\'s, else euler): euler (1st order), heun (2nd order, two evaluations per step), ' +
        'multistep (2nd order from the previous evaluation, mu linear in t, one evaluation per step) or logsnr-multistep (the same with mu ' +
        'linear in log(t / (1 - t)), as DPM-Solver++(2M); best with the early grid; docs/samplers.md)',
    }),
  ),
  grid: Type.Optional(
    Type.Union(
      [
        StringEnum(GRIDS, {
          description:
            'uniform; quadratic, t = 1 - (1 - s/T)^2, whose steps shrink towards t = 1; or early, t = (s/T)^2, whose steps are ' +
            'short near t = 0, where the image is decided',
        }),
        Type.Array(Type.Number({ minimum: 0, maximum: 1 }), {
          minItems: LIMITS.gridKnots.min,
          maxItems: LIMITS.gridKnots.max,
          description:
            'Knots k_0 = 0 < k_1 < ... < k_K = 1: step s of T is at t = t0 + (1 - t0) g(s/T), g piecewise linear through (i/K, k_i), ' +
            'so T = K steps land on the knots (a grid tuned for one model, bench/tune-grid.ts)',
        }),
      ],
      { description: 'How the steps divide [t0, 1]: a named grid or knots (default: the model\'s, else uniform)' },
    ),
  ),
  guidance: Type.Optional(
    Type.Object(
      {
        from: Type.Number({ minimum: LIMITS.guidance.min, maximum: LIMITS.guidance.max, description: 'First t guided' }),
        to: Type.Number({ minimum: LIMITS.guidance.min, maximum: LIMITS.guidance.max, description: 'Last t guided (>= from)' }),
      },
      {
        additionalProperties: false,
        description:
          'Where in t the guidance weight cfg applies (default: the model\'s, else the whole path). Elsewhere each model evaluation ' +
          'runs the conditional pass alone, half the cost of a guided one',
      },
    ),
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
  image: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'Start from this image (base64 PNG, JPEG or WebP, or a data: URL of it; at most 4096 x 4096 pixels): flattened over white, scaled to ' +
        'cover the model\'s size and cropped at the centre, encoded and quantized to z_1. Needs a model with an encoder (GET /models: imageInput). ' +
        'Bodies with an image may be up to IMAGE_BODY_LIMIT bytes',
    }),
  ),
  strength: Type.Optional(
    Type.Number({
      exclusiveMinimum: LIMITS.strength.exclusiveMin,
      maximum: LIMITS.strength.max,
      // Not a JSON Schema `default`: it applies only with an image, and a client that sends the
      // defaults it reads (openapi-python-client does) would send strength without image, a 400.
      description:
        `With image (default ${LIMITS.strength.default}): how far from it to start. Sampling runs \`steps\` steps` +
        ' over [t0, 1], t0 = 1 - strength, from t0 z_1 + (1 - t0) z_0 ' +
        '(z_0 from the seed): near 0 the tokenizer\'s reconstruction (for a trained model), 1 (without mask) the same image as without `image`. ' +
        'Below 1e-6 it samples as 1e-6',
    }),
  ),
  mask: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        'With image: a PNG (base64 or data: URL) of the image\'s aspect ratio saying what to regenerate: with transparency its opaque pixels, ' +
        'without it its white ones. A latent cell is regenerated if any such pixel touches it; the others keep the image\'s codes exactly',
    }),
  ),
  codes: Type.Optional(
    Type.Boolean({ description: 'Also return each image\'s final code grid (JSON answers and the stream only)' }),
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

export const CodeGrid = Type.Array(Type.Array(Type.Integer({ minimum: 0 })), {
  $id: 'CodeGrid',
  description: 'The codebook index of every latent cell: latent height rows of latent width codes',
});

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
  meanEntropy: Type.Optional(
    Type.Number({ description: 'Entropy of the posterior in nats, averaged over positions and steps; absent for models without a posterior (cfm, cfm-endpoint, dfm)' }),
  ),
  timings: Timings,
  uncertainty: Type.Optional(Type.Ref(Uncertainty)),
  codes: Type.Optional(Type.Ref(CodeGrid)),
};

export const GeneratedImage = Type.Object(imageFields, { $id: 'GeneratedImage' });
export type GeneratedImage = Static<typeof GeneratedImage>;

export const GenerateJson = Type.Object(
  {
    model: Type.String({ description: 'The model that drew the images' }),
    class: Type.String(),
    classId: Type.Integer(),
    sampler: Type.String({ description: 'The sampler that ran: euler, heun, multistep, logsnr-multistep, or dfm for a dfm model' }),
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
    'X-Model': header('The model that drew the image'),
    'X-Seed': header('The first seed (image i used seed + i)', { type: 'integer' }),
    'X-Class': header('The class label'),
    'X-Cache': header('hit or miss for seeded image answers, off otherwise', { type: 'string', enum: ['hit', 'miss', 'off'] }),
    'X-Mean-Entropy': header('Entropy of the posterior in nats, averaged over positions, steps and images; absent for models without a posterior (cfm, cfm-endpoint, dfm)', { type: 'number' }),
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

/**
 * The stream, as a text/event-stream schema describes it: one event, as an object of its SSE fields
 * (OpenAPI 3.2's itemSchema reads it so, and tools read a 3.1 `schema` the same way: schemathesis
 * validates every event of the live stream against it), its name in `event` and its JSON in `data`
 * (contentMediaType and contentSchema: a StreamEvent, whose `type` repeats the name). The SDK
 * generators, which type an event by its data, are handed StreamEvent itself (scripts/sdk.ts, sdkDocument).
 */
export const StreamResponse = {
  description:
    'Server-sent events, each with its name as the SSE event and in `type`: `queued`, `step` after each step, `preview` every previewEvery ' +
    'steps, then `done` or `error`. Closing the connection cancels the work.',
  content: {
    'text/event-stream': {
      schema: Type.Object(
        {
          event: StringEnum(
            STREAM_EVENTS.map((event) => event.properties.type.const),
            { description: 'The event\'s name, the same as its data\'s `type`' },
          ),
          data: Type.String({ contentMediaType: 'application/json', contentSchema: Type.Ref(StreamEventSchema), description: 'One line of JSON' }),
        },
        { description: 'One server-sent event' },
      ),
    },
  },
} as const;

export const ModelInfo = Type.Object({
  format: Type.String(),
  name: Type.String(),
  description: Type.String(),
  objective: Type.String({
    description: 'What the DiT predicts: purrception (a posterior over codes), cfm (a velocity), cfm-endpoint (the endpoint z_1) or dfm (codes, by discrete flow matching)',
  }),
  refusedFields: Type.Array(Type.String(), {
    description: 'Request fields this model refuses with 400: tau and the uncertainty maps without a posterior, sampler, grid and previewEvery for dfm, the image fields without an encoder',
  }),
  image: Type.Object({ height: Type.Integer(), width: Type.Integer() }),
  latent: Type.Object({ channels: Type.Integer(), height: Type.Integer(), width: Type.Integer() }),
  codebook_size: Type.Integer(),
  num_classes: Type.Integer(),
  labels: Type.Array(Type.String()),
  defaults: Type.Object({
    steps: Type.Integer(),
    tau: Type.Optional(Type.Number({ description: 'Absent for models without a posterior' })),
    cfg: Type.Number(),
    sampler: Type.Optional(Type.String()),
    grid: Type.Optional(Type.Union([Type.String(), Type.Array(Type.Number())], { description: 'A named grid or knots' })),
    guidance: Type.Optional(Type.Object({ from: Type.Number(), to: Type.Number() })),
  }),
  imageInput: Type.Boolean({ description: 'Whether the model has an encoder: requests may carry an image (image, strength, mask) and POST /encode works' }),
  providers: Type.Object(
    { step: Type.String(), decode: Type.String(), encode: Type.Optional(Type.String()) },
    { description: 'Execution provider running each graph (encode only with an encoder)' },
  ),
  limits: Type.Object({
    maxBatch: Type.Integer({ description: 'Most images sampled together in one step-graph run (MAX_BATCH)' }),
    queueLimit: Type.Integer({ description: 'Most images waiting for a batch slot (QUEUE_LIMIT); a request of n images needs n places' }),
    maxImages: Type.Integer({ description: 'Most images in one request (n)' }),
    bodyLimit: Type.Integer({ description: 'Largest request body without an image, bytes (BODY_LIMIT)' }),
    imageBodyLimit: Type.Integer({ description: 'Largest request body with an image, bytes (IMAGE_BODY_LIMIT)' }),
    maxInputPixels: Type.Integer({ description: 'Most pixels an input image or mask may have' }),
  }),
}, { $id: 'ModelInfo', description: 'A served model: its manifest, whether it takes images, its providers and limits' });

export const ModelList = Type.Object(
  {
    default: Type.String({ description: 'The model of requests without `model`' }),
    models: Type.Array(Type.Ref(ModelInfo), { description: 'Every served model, in MODEL_DIR order (the default first)' }),
  },
  { description: 'The models this server runs' },
);

export const EncodeBody = Type.Object(
  {
    ...modelField,
    image: Type.String({
      minLength: 1,
      description: 'The image (base64 PNG, JPEG or WebP, or a data: URL of it), prepared as for POST /generate: flattened over white, scaled to cover and cropped at the centre',
    }),
  },
  { additionalProperties: false },
);
export type EncodeBody = Static<typeof EncodeBody>;

export const EncodeJson = Type.Object(
  {
    width: Type.Integer({ description: 'The model\'s image width: the input was resized to it' }),
    height: Type.Integer(),
    codes: Type.Ref(CodeGrid),
    input: Type.String({ description: 'PNG (base64) of the input as the encoder saw it: flattened, resized and cropped' }),
    reconstruction: Type.String({ description: 'PNG (base64) of the decoded codes: what the tokenizer keeps of the image' }),
    mse: Type.Number({ description: 'Mean squared error of the reconstruction against the input, per RGB byte value (0..255)' }),
    psnr: Type.Union([Type.Number(), Type.Null()], { description: 'PSNR in dB, 10 log10(255^2 / mse); null when the reconstruction equals the input' }),
    usage: Type.Object(
      {
        distinct: Type.Integer({ description: 'Distinct codes among the cells' }),
        codebookSize: Type.Integer({ description: 'K' }),
        counts: Type.Array(Type.Object({ code: Type.Integer(), cells: Type.Integer() }), {
          description: 'Cells per code used, most used first (ties by code)',
        }),
      },
      { description: 'How many cells each code covers' },
    ),
    timings: Type.Object({
      queueMs: Type.Number({ description: 'Waiting for an encode run' }),
      encodeMs: Type.Number({ description: 'Encoding and decoding the codes' }),
    }),
  },
  { $id: 'EncodeJson', description: 'The tokenizer\'s view of an image' },
);
export type EncodeJson = Static<typeof EncodeJson>;

export const Status = Type.Object({ status: Type.String() });

/** The 503 of /ready and /health: the state, why in the shape of every error, and each model's engine. */
export const NotReady = Type.Object(
  {
    status: Type.String({ description: 'loading, failed or draining (/ready); crashed (/health)' }),
    ...ErrorResponse.properties,
    models: Type.Record(Type.String(), Type.Union([Type.Literal('loading'), Type.Literal('ready'), Type.Literal('failed'), Type.Literal('restarting'), Type.Literal('crashed')]), {
      description: "Each model's engine by name: loading, ready, failed (could not load), restarting (its worker died; a new one is due) or crashed (died too often in a row; not restarted)",
    }),
  },
  { description: 'Not ready: NOT_READY (loading), ENGINE_FAILED (an engine failed to load, or its worker died) or DRAINING; Retry-After says when to ask again' },
);

const ERROR_MEANINGS = {
  400:
    'The body or an option is invalid; the message names the field (INVALID_JSON: the body does not parse, with the position). UNKNOWN_MODEL and UNKNOWN_CLASS name the models and classes there are; ' +
    'image problems have their own codes: INVALID_IMAGE, UNSUPPORTED_IMAGE_FORMAT, IMAGE_TOO_LARGE, MASK_MISMATCH, NO_ENCODER (the model has none)',
  401: 'A missing or wrong API key (only when the server sets API_KEYS)',
  404: 'UNKNOWN_MODEL: no model of that name is served; the message lists those that are',
  406: 'Accept allows none of the media types this operation answers',
  413: 'The body is larger than BODY_LIMIT (IMAGE_BODY_LIMIT for a body with an image)',
  415: 'The body is not application/json',
  429: 'The API key is past RATE_LIMIT requests per minute; Retry-After says when to retry',
  500: 'The generation failed; the error is logged',
  503: 'QUEUE_FULL, NOT_READY, ENGINE_FAILED (the model\'s engine failed to load, or its worker died: also for the requests it held) or DRAINING; Retry-After says when to retry',
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
export const SHARED_SCHEMAS: TSchema[] = [ErrorResponse, ModelInfo, Uncertainty, CodeGrid, GeneratedImage, GenerateJson, EncodeJson, ...STREAM_EVENTS, StreamEventSchema];

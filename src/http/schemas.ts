// Request and response schemas of every route: the single source of validation and of openapi.json.
import { Type, type Static } from '@sinclair/typebox';
import { LIMITS } from '../limits.js';

export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer(),
    code: Type.String({ description: 'Stable machine-readable error code' }),
    error: Type.String(),
    message: Type.String({ description: 'What was wrong, naming the field' }),
  },
  { $id: 'ErrorResponse', description: 'Every error has this shape' },
);

export const GenerateBody = Type.Object(
  {
    class: Type.Union(
      [
        Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'Class id' }),
        Type.String({ minLength: 1, maxLength: 64, description: 'Class label, as listed by GET /models' }),
      ],
      { description: 'The class to draw, by id or label' },
    ),
    tau: Type.Optional(
      Type.Number({
        exclusiveMinimum: LIMITS.tau.exclusiveMin,
        maximum: LIMITS.tau.max,
        description: 'Softmax temperature of the posterior over codes (default: the model\'s)',
      }),
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
        description: 'Euler steps = model evaluations (default: the model\'s)',
      }),
    ),
    seed: Type.Optional(
      Type.Integer({
        minimum: LIMITS.seed.min,
        maximum: LIMITS.seed.max,
        description: 'Seed of the initial noise; the same request with the same seed gives the same bytes',
      }),
    ),
  },
  { additionalProperties: false },
);
export type GenerateBody = Static<typeof GenerateBody>;

export const PngResponse = {
  description: 'The generated image. Headers: X-Seed, X-Class, Server-Timing, X-Cache, X-Mean-Entropy.',
  content: { 'image/png': { schema: { type: 'string', format: 'binary' } } },
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
  limits: Type.Object({ maxBatch: Type.Integer(), queueLimit: Type.Integer() }),
});

export const Status = Type.Object({ status: Type.String() });

// The error catalogue: every error a client or an operator can see has a stable code.
// Client errors (4xx) keep their message; 5xx messages are hidden by the app's error handler.
import createError from '@fastify/error';

export const UnknownClassError = createError<[string]>('UNKNOWN_CLASS', '%s', 400);
export const QueueFullError = createError<[number]>(
  'QUEUE_FULL',
  'The generation queue is full (%d requests waiting); retry later',
  503,
);
export const NotReadyError = createError('NOT_READY', 'The model is still loading', 503);
export const ShuttingDownError = createError('SHUTTING_DOWN', 'The server is shutting down', 503);
export const GenerationFailedError = createError<[string]>(
  'GENERATION_FAILED',
  'Generation failed: %s',
  500,
);
export const RequestCancelledError = createError('REQUEST_CANCELLED', 'The client went away', 499);
export const RequestTimeoutError = createError<[number]>(
  'REQUEST_TIMEOUT',
  'The request took longer than %d ms (REQUEST_TIMEOUT_MS); its generation was cancelled',
  504,
);
export const InvalidOptionError = createError<[string]>('INVALID_OPTION', '%s', 400);
export const UnauthorizedError = createError<[string]>('UNAUTHORIZED', '%s', 401);
export const RateLimitedError = createError<[number, string]>(
  'RATE_LIMITED',
  'Rate limit of %d requests per minute exceeded for this key; retry in %s',
  429,
);

/** A model directory that does not honour the `purrception.onnx.v1` contract. */
export class ModelError extends Error {
  readonly code = 'MODEL_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ModelError';
  }
}

/** Configuration (environment or flags) that cannot be used. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

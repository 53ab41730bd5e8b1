// The error catalogue: every error a client or an operator can see has a stable code.
// Client errors (4xx) keep their message; 5xx messages are hidden by the app's error handler.
import createError from '@fastify/error';

export const UnknownClassError = createError<[string]>('UNKNOWN_CLASS', '%s', 400);
/** A request for a model this service does not serve: 400 for a body field, 404 for a path. */
export const UnknownModelError = createError<[string]>('UNKNOWN_MODEL', '%s', 400);
export const ModelNotFoundError = createError<[string]>('UNKNOWN_MODEL', '%s', 404);
// The queue counts images (samples), not requests: a request of n images takes n places.
export const QueueFullError = createError<[number, number, number]>(
  'QUEUE_FULL',
  'The generation queue is full: %d images are waiting for a batch slot, QUEUE_LIMIT is %d images and this request adds %d; retry later',
  503,
);
export const NotReadyError = createError('NOT_READY', 'The model is still loading', 503);
/** A model whose engine failed to load, or whose worker died (restarting, or given up on); the message says which. */
export const EngineFailedError = createError<[string]>('ENGINE_FAILED', '%s', 503);
export const DrainingError = createError(
  'DRAINING',
  'The server is draining before it shuts down: it finishes the requests under way and takes no new ones; retry (another instance will answer)',
  503,
);
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
/** A body that does not parse as JSON; the message gives the parser's position. */
export const InvalidJsonError = createError<[string]>('INVALID_JSON', '%s', 400);
export const NotAcceptableError = createError<[string]>('NOT_ACCEPTABLE', '%s', 406);
export const MethodNotAllowedError = createError<[string, string, string]>('METHOD_NOT_ALLOWED', '%s %s is not allowed; allowed: %s', 405);
/** The limit, the setting that sets it (BODY_LIMIT, or IMAGE_BODY_LIMIT for bodies with an image) and a hint. */
export const BodyTooLargeError = createError<[number, string, string]>('BODY_TOO_LARGE', 'The request body is larger than the limit of %d bytes (%s)%s', 413);
// Images in requests: each message names the field (body/image, body/mask) and what is wrong with it.
export const InvalidImageError = createError<[string]>('INVALID_IMAGE', '%s', 400);
export const UnsupportedImageFormatError = createError<[string]>('UNSUPPORTED_IMAGE_FORMAT', '%s', 400);
/** More pixels than decoding allows (a decompression bomb, or just too large). */
export const ImageTooLargeError = createError<[string]>('IMAGE_TOO_LARGE', '%s', 400);
export const MaskMismatchError = createError<[string]>('MASK_MISMATCH', '%s', 400);
/** An image request to a model without an encode graph. */
export const NoEncoderError = createError<[string]>('NO_ENCODER', '%s', 400);
export const UnsupportedMediaTypeError = createError<[string]>('UNSUPPORTED_MEDIA_TYPE', '%s', 415);
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

/**
 * No listed execution provider could load a graph and cpu was not among them: most often the machine
 * lacks the provider (its library, driver or device) rather than the model being broken.
 */
export class ProviderError extends Error {
  readonly code = 'PROVIDER_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'ProviderError';
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

// What the routes share: configuration, the served models and their engines' lifecycle, the cache and
// the metrics.
import type { Config } from '../config.js';
import type { ModelEngines, ServedModel } from '../engine/lifecycle.js';
import { ModelNotFoundError, UnknownModelError } from '../errors.js';
import type { ImageCache } from './image-cache.js';
import type { ServiceMetrics } from './metrics.js';

export interface ServiceContext {
  config: Config;
  /** The models, in MODEL_DIR's order (the first is the default of requests without `model`), their engines' states and admission. */
  engines: ModelEngines;
  cache: ImageCache;
  metrics: ServiceMetrics;
}

/**
 * The model a request names (the first model when it names none). An unknown name is refused with
 * the names served: 400 for the body field, 404 for the path of GET /models/{name}.
 */
export function modelNamed(models: readonly ServedModel[], name: string | undefined, where: 'body' | 'path' = 'body'): ServedModel {
  if (name === undefined) return models[0]!;
  const model = models.find((m) => m.name === name);
  if (model) return model;
  const served = models.map((m) => m.name).join(', ');
  if (where === 'path') throw new ModelNotFoundError(`No model "${name}" is served here. Should be one of: ${served}`);
  throw new UnknownModelError(`body/model "${name}" is not a model served here. Should be one of: ${served}`);
}

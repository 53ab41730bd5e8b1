// What the routes share: configuration, the model's manifest, the cache, metrics and the engine's state.
import type { Config } from '../config.js';
import type { Engine } from '../engine/client.js';
import type { LoadedProviders } from '../engine/protocol.js';
import type { Manifest } from '../model/manifest.js';
import type { ImageCache } from './image-cache.js';
import type { ServiceMetrics } from './metrics.js';

export type ServiceState = 'loading' | 'ready' | 'failed' | 'draining';

export interface ServiceContext {
  config: Config;
  manifest: Manifest;
  cache: ImageCache;
  metrics: ServiceMetrics;
  /** The engine once ready; throws NOT_READY or SHUTTING_DOWN otherwise. */
  engine(): Engine;
  state(): ServiceState;
  providers(): LoadedProviders | undefined;
}

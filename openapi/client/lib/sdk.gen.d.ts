import type { Client, Options as Options2, TDataShape } from './client/index.js';
import type { GenerateData, GenerateErrors, GenerateResponses, GenerateStreamData, GenerateStreamErrors, GenerateStreamResponse, GenerateStreamResponses, GetHealthData, GetHealthResponses, GetMetricsData, GetMetricsErrors, GetMetricsResponses, GetModelsData, GetModelsErrors, GetModelsResponses, GetReadyData, GetReadyErrors, GetReadyResponses } from './types.gen.js';
export type Options<TData extends TDataShape = TDataShape, ThrowOnError extends boolean = boolean, TResponse = unknown> = Options2<TData, ThrowOnError, TResponse> & {
    /**
     * You can provide a client instance returned by `createClient()` instead of
     * individual options. This might be also useful if you want to implement a
     * custom client.
     */
    client?: Client;
    /**
     * You can pass arbitrary values through the `meta` object. This can be
     * used to access values that aren't defined as part of the SDK function.
     */
    meta?: Record<string, unknown>;
};
/**
 * The process is alive (also while draining)
 */
export declare const getHealth: <ThrowOnError extends boolean = false>(options?: Options<GetHealthData, ThrowOnError>) => import("./client/types.gen.js").RequestResult<GetHealthResponses, unknown, ThrowOnError, "fields">;
/**
 * The model is loaded and warmed up, and the server is not draining
 */
export declare const getReady: <ThrowOnError extends boolean = false>(options?: Options<GetReadyData, ThrowOnError>) => import("./client/types.gen.js").RequestResult<GetReadyResponses, GetReadyErrors, ThrowOnError, "fields">;
/**
 * The loaded model: labels, image size, defaults, limits
 */
export declare const getModels: <ThrowOnError extends boolean = false>(options?: Options<GetModelsData, ThrowOnError>) => import("./client/types.gen.js").RequestResult<GetModelsResponses, GetModelsErrors, ThrowOnError, "fields">;
/**
 * Prometheus metrics
 */
export declare const getMetrics: <ThrowOnError extends boolean = false>(options?: Options<GetMetricsData, ThrowOnError>) => import("./client/types.gen.js").RequestResult<GetMetricsResponses, GetMetricsErrors, ThrowOnError, "fields">;
/**
 * Generate images of a class
 *
 * Samples z_0 from the seed, runs `steps` steps of the Purrception sampler (Euler or Heun) with guidance `cfg` and temperature `tau` (constant or a schedule in t), decodes and answers the image (a grid for n > 1), or JSON with every image for Accept: application/json.
 */
export declare const generate: <ThrowOnError extends boolean = false>(options: Options<GenerateData, ThrowOnError>) => import("./client/types.gen.js").RequestResult<GenerateResponses, GenerateErrors, ThrowOnError, "fields">;
/**
 * Generate one image, streaming progress and previews (server-sent events)
 *
 * The same sampling fields as POST /generate, plus previewEvery. The uncertainty maps, when asked for, come in the done event.
 */
export declare const generateStream: <ThrowOnError extends boolean = false>(options: Options<GenerateStreamData, ThrowOnError, GenerateStreamResponse>) => Promise<import("./core/serverSentEvents.gen.js").ServerSentEventsResult<GenerateStreamResponses, GenerateStreamErrors>>;

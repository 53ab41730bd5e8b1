import type { Client, Options as Options2, TDataShape } from './client/index.js';
import type { EncodeData, EncodeErrors, EncodeResponses, GenerateData, GenerateErrors, GenerateResponses, GenerateStreamData, GenerateStreamErrors, GenerateStreamResponse, GenerateStreamResponses, GetHealthData, GetHealthErrors, GetHealthResponses, GetMetricsData, GetMetricsErrors, GetMetricsResponses, GetModelData, GetModelErrors, GetModelResponses, GetModelsData, GetModelsErrors, GetModelsResponses, GetReadyData, GetReadyErrors, GetReadyResponses } from './types.gen.js';
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
 * The process is alive (also while draining); 503 once a model's engine crashed too often to be restarted
 */
export declare const getHealth: <ThrowOnError extends boolean = false>(options?: Options<GetHealthData, ThrowOnError>) => import("./client/types.gen.js").RequestResult<GetHealthResponses, GetHealthErrors, ThrowOnError, "fields">;
/**
 * Every model is loaded and warmed up, and the server is not draining
 */
export declare const getReady: <ThrowOnError extends boolean = false>(options?: Options<GetReadyData, ThrowOnError>) => import("./client/types.gen.js").RequestResult<GetReadyResponses, GetReadyErrors, ThrowOnError, "fields">;
/**
 * Every served model: labels, image size, defaults, whether it takes images, limits
 */
export declare const getModels: <ThrowOnError extends boolean = false>(options?: Options<GetModelsData, ThrowOnError>) => import("./client/types.gen.js").RequestResult<GetModelsResponses, GetModelsErrors, ThrowOnError, "fields">;
/**
 * One served model, by name
 */
export declare const getModel: <ThrowOnError extends boolean = false>(options: Options<GetModelData, ThrowOnError>) => import("./client/types.gen.js").RequestResult<GetModelResponses, GetModelErrors, ThrowOnError, "fields">;
/**
 * Prometheus metrics
 */
export declare const getMetrics: <ThrowOnError extends boolean = false>(options?: Options<GetMetricsData, ThrowOnError>) => import("./client/types.gen.js").RequestResult<GetMetricsResponses, GetMetricsErrors, ThrowOnError, "fields">;
/**
 * Generate images of a class, from noise or from an image
 *
 * Samples z_0 from the seed, runs `steps` steps of the Purrception sampler (euler, heun, multistep or logsnr-multistep, on a uniform, quadratic or early time grid) with guidance `cfg` (within the `guidance` interval) and temperature `tau` (constant or a schedule in t), decodes and answers the image (a grid for n > 1), or JSON with every image for Accept: application/json. A dfm model instead samples codes from all-mask with the DFM sampler, its draws from the seed. With `image`, sampling starts from the encoded image at t0 = 1 - strength (variations; another `class` for a class transfer), and with `mask` only the masked cells are regenerated (inpainting).
 */
export declare const generate: <ThrowOnError extends boolean = false>(options: Options<GenerateData, ThrowOnError>) => import("./client/types.gen.js").RequestResult<GenerateResponses, GenerateErrors, ThrowOnError, "fields">;
/**
 * Generate one image, streaming progress and previews (server-sent events)
 *
 * The same sampling fields as POST /generate (image, strength and mask included), plus previewEvery. The uncertainty maps and the code grid, when asked for, come in the done event.
 */
export declare const generateStream: <ThrowOnError extends boolean = false>(options: Options<GenerateStreamData, ThrowOnError, GenerateStreamResponse>) => Promise<import("./core/serverSentEvents.gen.js").ServerSentEventsResult<GenerateStreamResponses, GenerateStreamErrors>>;
/**
 * Encode an image with the model's tokenizer: codes, reconstruction, PSNR
 *
 * Prepares the image as POST /generate does (flattened over white, scaled to cover the model's size, cropped at the centre), encodes and quantizes it, decodes the codes, and answers the code grid, the input as the encoder saw it, the reconstruction, its PSNR against that input and the cells per code. Needs a model with an encoder (GET /models: imageInput).
 */
export declare const encode: <ThrowOnError extends boolean = false>(options: Options<EncodeData, ThrowOnError>) => import("./client/types.gen.js").RequestResult<EncodeResponses, EncodeErrors, ThrowOnError, "fields">;

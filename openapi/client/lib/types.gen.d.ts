export type ClientOptions = {
    baseUrl: 'http://127.0.0.1:8080' | (string & {});
};
/**
 * Every error has this shape
 */
export type ErrorResponse = {
    statusCode: number;
    /**
     * Stable machine-readable error code
     */
    code: string;
    error: string;
    /**
     * What was wrong, naming the field
     */
    message: string;
};
/**
 * Entropy of the posterior over codes, per latent position
 */
export type Uncertainty = {
    /**
     * Entropy at the top of the colormap: ln K, the entropy of a uniform posterior
     */
    colormapMax: number;
    /**
     * Mean over positions of the per-position entropy averaged over the trajectory (t = s/T)
     */
    mean: number;
    max: number;
    /**
     * PNG (base64) of the image size: viridis from 0 nats (dark) to colormapMax (yellow), one block per latent position
     */
    heatmap: string;
    /**
     * The same at step `uncertaintyStep`
     */
    atStep?: {
        step: number;
        mean: number;
        max: number;
        /**
         * PNG (base64) of the map at this step
         */
        heatmap: string;
    };
};
export type GeneratedImage = {
    seed: number;
    mediaType: string;
    /**
     * The image, base64
     */
    data: string;
    width: number;
    height: number;
    /**
     * Entropy of the posterior in nats, averaged over positions and steps
     */
    meanEntropy: number;
    timings: {
        /**
         * Waiting for a batch slot
         */
        queueMs: number;
        /**
         * Sampling and decoding
         */
        sampleMs: number;
        /**
         * Image encoding
         */
        encodeMs: number;
    };
    uncertainty?: Uncertainty;
};
/**
 * Answer to Accept: application/json
 */
export type GenerateJson = {
    class: string;
    classId: number;
    sampler: string;
    steps: number;
    images: Array<GeneratedImage>;
};
/**
 * First event: the sample is admitted
 */
export type QueuedEvent = {
    /**
     * The event's name: queued
     */
    type: 'queued';
    /**
     * Images that must leave the batch before this one joins (0: it joins at the next iteration)
     */
    position: number;
};
/**
 * After each of the steps
 */
export type StepEvent = {
    /**
     * The event's name: step
     */
    type: 'step';
    step: number;
    steps: number;
};
/**
 * Every previewEvery steps, when asked for
 */
export type PreviewEvent = {
    /**
     * The event's name: preview
     */
    type: 'preview';
    step: number;
    steps: number;
    width: number;
    height: number;
    /**
     * PNG (base64) of the decode of the current mu, at most 128 px a side
     */
    image: string;
};
/**
 * Last event on success: the image as in the JSON answer, plus its class
 */
export type DoneEvent = {
    /**
     * The event's name: done
     */
    type: 'done';
    class: string;
    seed: number;
    mediaType: string;
    /**
     * The image, base64
     */
    data: string;
    width: number;
    height: number;
    /**
     * Entropy of the posterior in nats, averaged over positions and steps
     */
    meanEntropy: number;
    timings: {
        /**
         * Waiting for a batch slot
         */
        queueMs: number;
        /**
         * Sampling and decoding
         */
        sampleMs: number;
        /**
         * Image encoding
         */
        encodeMs: number;
    };
    uncertainty?: Uncertainty;
};
/**
 * Last event on failure, in the shape of every error
 */
export type ErrorEvent = {
    /**
     * The event's name: error
     */
    type: 'error';
    statusCode: number;
    /**
     * Stable machine-readable error code
     */
    code: string;
    error: string;
    /**
     * What was wrong, naming the field
     */
    message: string;
};
/**
 * One server-sent event's data (JSON); `type` repeats the event's name
 */
export type StreamEvent = QueuedEvent | StepEvent | PreviewEvent | DoneEvent | ErrorEvent;
export type GetHealthData = {
    body?: never;
    path?: never;
    query?: never;
    url: '/health';
};
export type GetHealthResponses = {
    /**
     * Always {"status": "ok"} while the process answers
     */
    200: {
        status: string;
    };
};
export type GetHealthResponse = GetHealthResponses[keyof GetHealthResponses];
export type GetReadyData = {
    body?: never;
    path?: never;
    query?: never;
    url: '/ready';
};
export type GetReadyErrors = {
    /**
     * Not ready: NOT_READY (loading), ENGINE_FAILED or DRAINING; Retry-After says when to ask again
     */
    503: {
        /**
         * loading, failed or draining
         */
        status: string;
        statusCode: number;
        /**
         * Stable machine-readable error code
         */
        code: string;
        error: string;
        /**
         * What was wrong, naming the field
         */
        message: string;
    };
};
export type GetReadyError = GetReadyErrors[keyof GetReadyErrors];
export type GetReadyResponses = {
    /**
     * {"status": "ready"}
     */
    200: {
        status: string;
    };
};
export type GetReadyResponse = GetReadyResponses[keyof GetReadyResponses];
export type GetModelsData = {
    body?: never;
    path?: never;
    query?: never;
    url: '/models';
};
export type GetModelsErrors = {
    /**
     * A missing or wrong API key (only when the server sets API_KEYS)
     */
    401: ErrorResponse;
    /**
     * The API key is past RATE_LIMIT requests per minute; Retry-After says when to retry
     */
    429: ErrorResponse;
};
export type GetModelsError = GetModelsErrors[keyof GetModelsErrors];
export type GetModelsResponses = {
    /**
     * The model this server runs
     */
    200: {
        format: string;
        name: string;
        description: string;
        image: {
            height: number;
            width: number;
        };
        latent: {
            channels: number;
            height: number;
            width: number;
        };
        codebook_size: number;
        num_classes: number;
        labels: Array<string>;
        defaults: {
            steps: number;
            tau: number;
            cfg: number;
        };
        /**
         * Execution provider running each graph
         */
        providers: {
            step: string;
            decode: string;
        };
        limits: {
            /**
             * Most images sampled together in one step-graph run (MAX_BATCH)
             */
            maxBatch: number;
            /**
             * Most images waiting for a batch slot (QUEUE_LIMIT); a request of n images needs n places
             */
            queueLimit: number;
            /**
             * Most images in one request (n)
             */
            maxImages: number;
        };
    };
};
export type GetModelsResponse = GetModelsResponses[keyof GetModelsResponses];
export type GetMetricsData = {
    body?: never;
    path?: never;
    query?: never;
    url: '/metrics';
};
export type GetMetricsErrors = {
    /**
     * A missing or wrong API key (only when the server sets API_KEYS)
     */
    401: ErrorResponse;
    /**
     * The API key is past RATE_LIMIT requests per minute; Retry-After says when to retry
     */
    429: ErrorResponse;
};
export type GetMetricsError = GetMetricsErrors[keyof GetMetricsErrors];
export type GetMetricsResponses = {
    /**
     * Prometheus text exposition format
     */
    200: string;
};
export type GetMetricsResponse = GetMetricsResponses[keyof GetMetricsResponses];
export type GenerateData = {
    body: {
        /**
         * The class to draw, by id or label
         */
        class: number | string;
        /**
         * Softmax temperature of the posterior over codes: a number, or {start, end} varying linearly in t (default: the model's)
         */
        tau?: number | {
            /**
             * tau at t = 0
             */
            start: number;
            /**
             * tau at t = 1
             */
            end: number;
        };
        /**
         * Classifier-free guidance weight: 0 unconditional, 1 plain conditional (default: the model's)
         */
        cfg?: number;
        /**
         * Time steps T (default: the model's). Euler evaluates the model T times, Heun 2T - 1 times
         */
        steps?: number;
        /**
         * Seed of the initial noise; the same request with the same seed gives the same bytes. Image i uses (seed + i) mod 2^32
         */
        seed?: number;
        /**
         * ODE solver on v = (mu - z) / (1 - t): euler (1st order), or heun (2nd order; its last step is an Euler step)
         */
        sampler?: 'euler' | 'heun';
        /**
         * Return the per-position entropy of the posterior as heatmaps and summary numbers (JSON responses and the stream only)
         */
        uncertainty?: boolean;
        /**
         * With uncertainty: also return the entropy map at this step (0..steps-1, t = step/T)
         */
        uncertaintyStep?: number;
        /**
         * Images to generate, with seeds seed, seed+1, ...: one grid image, or a list with Accept: application/json
         */
        n?: number;
        /**
         * Image format. Without it, Accept picks one (image/png, image/webp or image/jpeg); png when Accept allows any
         */
        format?: 'png' | 'webp' | 'jpeg';
        /**
         * webp and jpeg quality (default 90); refused (400) when the image format is png, which is lossless
         */
        quality?: number;
    };
    path?: never;
    query?: never;
    url: '/generate';
};
export type GenerateErrors = {
    /**
     * The body or an option is invalid; the message names the field
     */
    400: ErrorResponse;
    /**
     * A missing or wrong API key (only when the server sets API_KEYS)
     */
    401: ErrorResponse;
    /**
     * Accept allows none of the media types this operation answers
     */
    406: ErrorResponse;
    /**
     * The body is larger than BODY_LIMIT
     */
    413: ErrorResponse;
    /**
     * The body is not application/json
     */
    415: ErrorResponse;
    /**
     * The API key is past RATE_LIMIT requests per minute; Retry-After says when to retry
     */
    429: ErrorResponse;
    /**
     * The generation failed; the error is logged
     */
    500: ErrorResponse;
    /**
     * QUEUE_FULL, NOT_READY, ENGINE_FAILED or DRAINING; Retry-After says when to retry
     */
    503: ErrorResponse;
    /**
     * The generation ran past REQUEST_TIMEOUT_MS and was cancelled
     */
    504: ErrorResponse;
};
export type GenerateError = GenerateErrors[keyof GenerateErrors];
export type GenerateResponses = {
    /**
     * The image (a grid of n images, row-major, for n > 1) in the format of `format` or else the one Accept prefers, or JSON with every image when Accept prefers application/json (q-values honoured; a tie goes to the image).
     */
    200: GenerateJson;
};
export type GenerateResponse = GenerateResponses[keyof GenerateResponses];
export type GenerateStreamData = {
    body: {
        /**
         * The class to draw, by id or label
         */
        class: number | string;
        /**
         * Softmax temperature of the posterior over codes: a number, or {start, end} varying linearly in t (default: the model's)
         */
        tau?: number | {
            /**
             * tau at t = 0
             */
            start: number;
            /**
             * tau at t = 1
             */
            end: number;
        };
        /**
         * Classifier-free guidance weight: 0 unconditional, 1 plain conditional (default: the model's)
         */
        cfg?: number;
        /**
         * Time steps T (default: the model's). Euler evaluates the model T times, Heun 2T - 1 times
         */
        steps?: number;
        /**
         * Seed of the initial noise; the same request with the same seed gives the same bytes. Image i uses (seed + i) mod 2^32
         */
        seed?: number;
        /**
         * ODE solver on v = (mu - z) / (1 - t): euler (1st order), or heun (2nd order; its last step is an Euler step)
         */
        sampler?: 'euler' | 'heun';
        /**
         * Return the per-position entropy of the posterior as heatmaps and summary numbers (JSON responses and the stream only)
         */
        uncertainty?: boolean;
        /**
         * With uncertainty: also return the entropy map at this step (0..steps-1, t = step/T)
         */
        uncertaintyStep?: number;
        /**
         * Send a preview (the decode of the current mu) every k steps (default: none)
         */
        previewEvery?: number;
    };
    path?: never;
    query?: never;
    url: '/generate/stream';
};
export type GenerateStreamErrors = {
    /**
     * The body or an option is invalid; the message names the field
     */
    400: ErrorResponse;
    /**
     * A missing or wrong API key (only when the server sets API_KEYS)
     */
    401: ErrorResponse;
    /**
     * Accept allows none of the media types this operation answers
     */
    406: ErrorResponse;
    /**
     * The body is larger than BODY_LIMIT
     */
    413: ErrorResponse;
    /**
     * The body is not application/json
     */
    415: ErrorResponse;
    /**
     * The API key is past RATE_LIMIT requests per minute; Retry-After says when to retry
     */
    429: ErrorResponse;
    /**
     * The generation failed; the error is logged
     */
    500: ErrorResponse;
    /**
     * QUEUE_FULL, NOT_READY, ENGINE_FAILED or DRAINING; Retry-After says when to retry
     */
    503: ErrorResponse;
};
export type GenerateStreamError = GenerateStreamErrors[keyof GenerateStreamErrors];
export type GenerateStreamResponses = {
    /**
     * Server-sent events, each with its name as the SSE event and in `type`: `queued`, `step` after each step, `preview` every previewEvery steps, then `done` or `error`. Closing the connection cancels the work.
     */
    200: StreamEvent;
};
export type GenerateStreamResponse = GenerateStreamResponses[keyof GenerateStreamResponses];

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
 * A served model: its manifest, whether it takes images, its providers and limits
 */
export type ModelInfo = {
    format: string;
    name: string;
    description: string;
    /**
     * What the DiT predicts: purrception (a posterior over codes), cfm (a velocity), cfm-endpoint (the endpoint z_1) or dfm (codes, by discrete flow matching)
     */
    objective: string;
    /**
     * Request fields this model refuses with 400: tau and the uncertainty maps without a posterior, sampler, grid and previewEvery for dfm, the image fields without an encoder
     */
    refusedFields: Array<string>;
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
        /**
         * Absent for models without a posterior
         */
        tau?: number;
        cfg: number;
        sampler?: string;
        /**
         * A named grid or knots
         */
        grid?: string | Array<number>;
        guidance?: {
            from: number;
            to: number;
        };
    };
    /**
     * Whether the model has an encoder: requests may carry an image (image, strength, mask) and POST /encode works
     */
    imageInput: boolean;
    /**
     * Execution provider running each graph (encode only with an encoder)
     */
    providers: {
        step: string;
        decode: string;
        encode?: string;
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
        /**
         * Largest request body without an image, bytes (BODY_LIMIT)
         */
        bodyLimit: number;
        /**
         * Largest request body with an image, bytes (IMAGE_BODY_LIMIT)
         */
        imageBodyLimit: number;
        /**
         * Most pixels an input image or mask may have
         */
        maxInputPixels: number;
    };
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
/**
 * The codebook index of every latent cell: latent height rows of latent width codes
 */
export type CodeGrid = Array<Array<number>>;
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
     * Entropy of the posterior in nats, averaged over positions and steps; absent for models without a posterior (cfm, cfm-endpoint, dfm)
     */
    meanEntropy?: number;
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
    codes?: CodeGrid;
};
/**
 * Answer to Accept: application/json
 */
export type GenerateJson = {
    /**
     * The model that drew the images
     */
    model: string;
    class: string;
    classId: number;
    /**
     * The sampler that ran: euler, heun, multistep, logsnr-multistep, or dfm for a dfm model
     */
    sampler: string;
    steps: number;
    images: Array<GeneratedImage>;
};
/**
 * The tokenizer's view of an image
 */
export type EncodeJson = {
    /**
     * The model's image width: the input was resized to it
     */
    width: number;
    height: number;
    codes: CodeGrid;
    /**
     * PNG (base64) of the input as the encoder saw it: flattened, resized and cropped
     */
    input: string;
    /**
     * PNG (base64) of the decoded codes: what the tokenizer keeps of the image
     */
    reconstruction: string;
    /**
     * Mean squared error of the reconstruction against the input, per RGB byte value (0..255)
     */
    mse: number;
    /**
     * PSNR in dB, 10 log10(255^2 / mse); null when the reconstruction equals the input
     */
    psnr: number | null;
    /**
     * How many cells each code covers
     */
    usage: {
        /**
         * Distinct codes among the cells
         */
        distinct: number;
        /**
         * K
         */
        codebookSize: number;
        /**
         * Cells per code used, most used first (ties by code)
         */
        counts: Array<{
            code: number;
            cells: number;
        }>;
    };
    timings: {
        /**
         * Waiting for an encode run
         */
        queueMs: number;
        /**
         * Encoding and decoding the codes
         */
        encodeMs: number;
    };
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
     * Entropy of the posterior in nats, averaged over positions and steps; absent for models without a posterior (cfm, cfm-endpoint, dfm)
     */
    meanEntropy?: number;
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
    codes?: CodeGrid;
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
export type GetHealthErrors = {
    /**
     * ENGINE_FAILED: an engine crashed ENGINE_RESTARTS + 1 times in a row; the process must be restarted
     */
    503: {
        /**
         * loading, failed or draining (/ready); crashed (/health)
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
        /**
         * Each model's engine by name: loading, ready, failed (could not load), restarting (its worker died; a new one is due) or crashed (died too often in a row; not restarted)
         */
        models: {
            [key: string]: 'loading' | 'ready' | 'failed' | 'restarting' | 'crashed';
        };
    };
};
export type GetHealthError = GetHealthErrors[keyof GetHealthErrors];
export type GetHealthResponses = {
    /**
     * {"status": "ok"} while the process can serve
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
     * Not ready: NOT_READY (loading), ENGINE_FAILED (an engine failed to load, or its worker died) or DRAINING; Retry-After says when to ask again
     */
    503: {
        /**
         * loading, failed or draining (/ready); crashed (/health)
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
        /**
         * Each model's engine by name: loading, ready, failed (could not load), restarting (its worker died; a new one is due) or crashed (died too often in a row; not restarted)
         */
        models: {
            [key: string]: 'loading' | 'ready' | 'failed' | 'restarting' | 'crashed';
        };
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
     * The models this server runs
     */
    200: {
        /**
         * The model of requests without `model`
         */
        default: string;
        /**
         * Every served model, in MODEL_DIR order (the default first)
         */
        models: Array<ModelInfo>;
    };
};
export type GetModelsResponse = GetModelsResponses[keyof GetModelsResponses];
export type GetModelData = {
    body?: never;
    path: {
        /**
         * The model's name (its manifest's `name`)
         */
        name: string;
    };
    query?: never;
    url: '/models/{name}';
};
export type GetModelErrors = {
    /**
     * A missing or wrong API key (only when the server sets API_KEYS)
     */
    401: ErrorResponse;
    /**
     * UNKNOWN_MODEL: no model of that name is served; the message lists those that are
     */
    404: ErrorResponse;
    /**
     * The API key is past RATE_LIMIT requests per minute; Retry-After says when to retry
     */
    429: ErrorResponse;
};
export type GetModelError = GetModelErrors[keyof GetModelErrors];
export type GetModelResponses = {
    /**
     * The model
     */
    200: ModelInfo;
};
export type GetModelResponse = GetModelResponses[keyof GetModelResponses];
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
         * The model to run, by its name as listed by GET /models (default: the first listed)
         */
        model?: string;
        /**
         * The class to draw, by id or label
         */
        class: number | string;
        /**
         * Softmax temperature of the posterior over codes: a number, or {start, end} varying linearly in t (default: the model's). Below 1e-30 it samples as 1e-30, where the posterior is already its argmax
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
         * Time steps T (default: the model's). Euler and multistep evaluate the model T times, Heun 2T - 1 times
         */
        steps?: number;
        /**
         * Seed of the initial noise; the same request with the same seed gives the same bytes. Image i uses (seed + i) mod 2^32
         */
        seed?: number;
        /**
         * ODE solver on v = (mu - z) / (1 - t) (default: the model's, else euler): euler (1st order), heun (2nd order, two evaluations per step), multistep (2nd order from the previous evaluation, mu linear in t, one evaluation per step) or logsnr-multistep (the same with mu linear in log(t / (1 - t)), as DPM-Solver++(2M); best with the early grid; docs/samplers.md)
         */
        sampler?: 'euler' | 'heun' | 'multistep' | 'logsnr-multistep';
        /**
         * How the steps divide [t0, 1]: a named grid or knots (default: the model's, else uniform)
         */
        grid?: 'uniform' | 'quadratic' | 'early' | Array<number>;
        /**
         * Where in t the guidance weight cfg applies (default: the model's, else the whole path). Elsewhere each model evaluation runs the conditional pass alone, half the cost of a guided one
         */
        guidance?: {
            /**
             * First t guided
             */
            from: number;
            /**
             * Last t guided (>= from)
             */
            to: number;
        };
        /**
         * Return the per-position entropy of the posterior as heatmaps and summary numbers (JSON responses and the stream only)
         */
        uncertainty?: boolean;
        /**
         * With uncertainty: also return the entropy map at this step (0..steps-1, t = step/T)
         */
        uncertaintyStep?: number;
        /**
         * Start from this image (base64 PNG, JPEG or WebP, or a data: URL of it; at most 4096 x 4096 pixels): flattened over white, scaled to cover the model's size and cropped at the centre, encoded and quantized to z_1. Needs a model with an encoder (GET /models: imageInput). Bodies with an image may be up to IMAGE_BODY_LIMIT bytes
         */
        image?: string;
        /**
         * With image (default 0.6): how far from it to start. Sampling runs `steps` steps over [t0, 1], t0 = 1 - strength, from t0 z_1 + (1 - t0) z_0 (z_0 from the seed): near 0 the tokenizer's reconstruction (for a trained model), 1 (without mask) the same image as without `image`. Below 1e-6 it samples as 1e-6
         */
        strength?: number;
        /**
         * With image: a PNG (base64 or data: URL) of the image's aspect ratio saying what to regenerate: with transparency its opaque pixels, without it its white ones. A latent cell is regenerated if any such pixel touches it; the others keep the image's codes exactly
         */
        mask?: string;
        /**
         * Also return each image's final code grid (JSON answers and the stream only)
         */
        codes?: boolean;
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
     * The body or an option is invalid; the message names the field (INVALID_JSON: the body does not parse, with the position). UNKNOWN_MODEL and UNKNOWN_CLASS name the models and classes there are; image problems have their own codes: INVALID_IMAGE, UNSUPPORTED_IMAGE_FORMAT, IMAGE_TOO_LARGE, MASK_MISMATCH, NO_ENCODER (the model has none)
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
     * The body is larger than BODY_LIMIT (IMAGE_BODY_LIMIT for a body with an image)
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
     * QUEUE_FULL, NOT_READY, ENGINE_FAILED (the model's engine failed to load, or its worker died: also for the requests it held) or DRAINING; Retry-After says when to retry
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
         * The model to run, by its name as listed by GET /models (default: the first listed)
         */
        model?: string;
        /**
         * The class to draw, by id or label
         */
        class: number | string;
        /**
         * Softmax temperature of the posterior over codes: a number, or {start, end} varying linearly in t (default: the model's). Below 1e-30 it samples as 1e-30, where the posterior is already its argmax
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
         * Time steps T (default: the model's). Euler and multistep evaluate the model T times, Heun 2T - 1 times
         */
        steps?: number;
        /**
         * Seed of the initial noise; the same request with the same seed gives the same bytes. Image i uses (seed + i) mod 2^32
         */
        seed?: number;
        /**
         * ODE solver on v = (mu - z) / (1 - t) (default: the model's, else euler): euler (1st order), heun (2nd order, two evaluations per step), multistep (2nd order from the previous evaluation, mu linear in t, one evaluation per step) or logsnr-multistep (the same with mu linear in log(t / (1 - t)), as DPM-Solver++(2M); best with the early grid; docs/samplers.md)
         */
        sampler?: 'euler' | 'heun' | 'multistep' | 'logsnr-multistep';
        /**
         * How the steps divide [t0, 1]: a named grid or knots (default: the model's, else uniform)
         */
        grid?: 'uniform' | 'quadratic' | 'early' | Array<number>;
        /**
         * Where in t the guidance weight cfg applies (default: the model's, else the whole path). Elsewhere each model evaluation runs the conditional pass alone, half the cost of a guided one
         */
        guidance?: {
            /**
             * First t guided
             */
            from: number;
            /**
             * Last t guided (>= from)
             */
            to: number;
        };
        /**
         * Return the per-position entropy of the posterior as heatmaps and summary numbers (JSON responses and the stream only)
         */
        uncertainty?: boolean;
        /**
         * With uncertainty: also return the entropy map at this step (0..steps-1, t = step/T)
         */
        uncertaintyStep?: number;
        /**
         * Start from this image (base64 PNG, JPEG or WebP, or a data: URL of it; at most 4096 x 4096 pixels): flattened over white, scaled to cover the model's size and cropped at the centre, encoded and quantized to z_1. Needs a model with an encoder (GET /models: imageInput). Bodies with an image may be up to IMAGE_BODY_LIMIT bytes
         */
        image?: string;
        /**
         * With image (default 0.6): how far from it to start. Sampling runs `steps` steps over [t0, 1], t0 = 1 - strength, from t0 z_1 + (1 - t0) z_0 (z_0 from the seed): near 0 the tokenizer's reconstruction (for a trained model), 1 (without mask) the same image as without `image`. Below 1e-6 it samples as 1e-6
         */
        strength?: number;
        /**
         * With image: a PNG (base64 or data: URL) of the image's aspect ratio saying what to regenerate: with transparency its opaque pixels, without it its white ones. A latent cell is regenerated if any such pixel touches it; the others keep the image's codes exactly
         */
        mask?: string;
        /**
         * Also return each image's final code grid (JSON answers and the stream only)
         */
        codes?: boolean;
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
     * The body or an option is invalid; the message names the field (INVALID_JSON: the body does not parse, with the position). UNKNOWN_MODEL and UNKNOWN_CLASS name the models and classes there are; image problems have their own codes: INVALID_IMAGE, UNSUPPORTED_IMAGE_FORMAT, IMAGE_TOO_LARGE, MASK_MISMATCH, NO_ENCODER (the model has none)
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
     * The body is larger than BODY_LIMIT (IMAGE_BODY_LIMIT for a body with an image)
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
     * QUEUE_FULL, NOT_READY, ENGINE_FAILED (the model's engine failed to load, or its worker died: also for the requests it held) or DRAINING; Retry-After says when to retry
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
export type EncodeData = {
    body: {
        /**
         * The model to run, by its name as listed by GET /models (default: the first listed)
         */
        model?: string;
        /**
         * The image (base64 PNG, JPEG or WebP, or a data: URL of it), prepared as for POST /generate: flattened over white, scaled to cover and cropped at the centre
         */
        image: string;
    };
    path?: never;
    query?: never;
    url: '/encode';
};
export type EncodeErrors = {
    /**
     * The body or an option is invalid; the message names the field (INVALID_JSON: the body does not parse, with the position). UNKNOWN_MODEL and UNKNOWN_CLASS name the models and classes there are; image problems have their own codes: INVALID_IMAGE, UNSUPPORTED_IMAGE_FORMAT, IMAGE_TOO_LARGE, MASK_MISMATCH, NO_ENCODER (the model has none)
     */
    400: ErrorResponse;
    /**
     * A missing or wrong API key (only when the server sets API_KEYS)
     */
    401: ErrorResponse;
    /**
     * The body is larger than BODY_LIMIT (IMAGE_BODY_LIMIT for a body with an image)
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
     * QUEUE_FULL, NOT_READY, ENGINE_FAILED (the model's engine failed to load, or its worker died: also for the requests it held) or DRAINING; Retry-After says when to retry
     */
    503: ErrorResponse;
    /**
     * The generation ran past REQUEST_TIMEOUT_MS and was cancelled
     */
    504: ErrorResponse;
};
export type EncodeError = EncodeErrors[keyof EncodeErrors];
export type EncodeResponses = {
    /**
     * The tokenizer's view of the image
     */
    200: EncodeJson;
};
export type EncodeResponse = EncodeResponses[keyof EncodeResponses];

export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness
         * @description Answers while the process runs, even under load.
         */
        get: operations["health"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness: Redis reachable, queue usable, maxmemory-policy noeviction
         * @description 200 when every check passes, 503 with the failing checks otherwise.
         */
        get: operations["ready"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the tenant’s jobs, newest first
         * @description Optionally only those in one status. Pass `nextCursor` as `cursor` for the next page.
         */
        get: operations["listJobs"];
        put?: never;
        /**
         * Submit a training job
         * @description Validates the job, stores it and queues it. The same `Idempotency-Key` and body from the same tenant return the same job.
         */
        post: operations["submitJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A job’s status (ETag; If-None-Match → 304)
         * @description Status, progress, the latest epoch’s metrics, the seed and, on failure, the error. Cheap to poll: send the ETag back in If-None-Match.
         */
        get: operations["getJob"];
        put?: never;
        post?: never;
        /**
         * Delete a job, its curve, result and checkpoints (cancels it first)
         * @description The job is gone afterwards: its id answers 404.
         */
        delete: operations["deleteJob"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The loss curve: points with epoch > since, oldest first
         * @description One point per epoch. Pass `next` as `since` on the next poll; `maxPoints` downsamples on read.
         */
        get: operations["getJobMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}/result": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The trained model (409 job_not_finished / job_failed before; ETag, If-None-Match → 304)
         * @description The layers, the weights (`W[j][k]` connects neuron k of the previous layer to neuron j), the final metrics and the seed.
         */
        get: operations["getJobResult"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}/predict": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Run the trained model on inputs
         * @description One output row per input row, from the completed job’s weights (a forward pass on the API’s inference threads).
         */
        post: operations["predict"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Cancel: queued → cancelled at once; running → stops at the next batch (202)
         * @description A finished job cannot be cancelled (409).
         */
        post: operations["cancelJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}/pause": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Pause: queued → paused at once; running → checkpoints and gives its thread back at the next batch (202)
         * @description A paused job keeps its checkpoint, counts as neither queued nor running for the quotas, and expires like a finished job unless it is resumed. Resumed, it ends with the weights of an uninterrupted run.
         */
        post: operations["pauseJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}/resume": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Resume a paused job: it is queued again and continues from its checkpoint
         * @description Queues the job again under its own id; its worker continues from the checkpoint taken at the pause (bit-identical to an uninterrupted run). At the tenant's queued + running cap (`TENANT_MAX_QUEUED`, with auth on) it answers 429 like a submit and the job stays paused.
         */
        post: operations["resumeJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}/fork": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Fork: a new job from this job's latest checkpoint (or final state), with changes
         * @description The new job starts from the source's weights and optimizer state — its latest checkpoint while running, paused or cancelled, its final state when completed (also after early stopping: the fork trains on with a fresh patience window) — and trains `epochs` more epochs with the given optimizer fields. `epochs` is at least 1: a fork always trains (`0` → 400); left out, it is the source's remaining epochs, or as many as the source trained when none remain. The source is unchanged. Its status shows `forkedFrom`.
         */
        post: operations["forkJob"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}/model.onnx": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The trained model as ONNX (opset 13, float32, input `input` [N, inputSize], output `output`; 409 before completion)
         * @description One Gemm per layer (transB = 1: W keeps its [units][fanIn] layout) and its activation op (Sigmoid, Tanh, Relu, LeakyRelu alpha 0.01, Softmax axis -1; none for linear); the batch dimension N is dynamic. onnxruntime gives /predict’s outputs to 1e-5.
         */
        get: operations["exportOnnx"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}/tfjs/model.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The trained model in the TF.js layers format: model.json (load with tf.loadLayersModel; 409 before completion)
         * @description A Sequential of Dense layers (kernel = W transposed; a LeakyReLU layer after a leaky_relu one) whose weightsManifest names its float32 weights file, relative to this URL. tf.loadLayersModel(url) gives /predict’s outputs to 1e-5.
         */
        get: operations["exportTfjsModel"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}/tfjs/{file}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The float32 weights file that the TF.js model.json names (409 before completion)
         * @description Float32 little-endian values in manifest order: each layer’s kernel [fanIn, units] row-major, then its bias. Any other file name is a 404.
         */
        get: operations["exportTfjsWeights"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the tenant’s datasets, newest first */
        get: operations["listDatasets"];
        put?: never;
        /**
         * Upload a dataset: JSON {inputs, targets} or text/csv (header row; the last targetColumns columns are targets)
         * @description Parsed as a stream; stored once, used by many jobs (`data: { datasetId }`).
         */
        post: operations["uploadDataset"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/datasets/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * A dataset’s metadata
         * @description Its samples, input and output sizes and stored bytes.
         */
        get: operations["getDataset"];
        put?: never;
        post?: never;
        /**
         * Remove a dataset
         * @description Queued jobs that still use it fail with invalid_data.
         */
        delete: operations["deleteDataset"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/usage": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The tenant’s compute today and stored bytes, against its quotas
         * @description Training seconds used today (UTC) and bytes stored, with the limits that apply (null: unlimited).
         */
        get: operations["getUsage"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhook-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The tenant’s webhook signing secret (created on first use) */
        get: operations["getWebhookSecret"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhook-secret/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Replace the signing secret; the old one also signs for 24 h */
        post: operations["rotateWebhookSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}/webhook-deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every webhook delivery attempt of a job, oldest first */
        get: operations["listWebhookDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Live progress and status changes of a job as Server-Sent Events
         * @description `progress` events (id = epoch, data = the curve point with `epochs` and `fraction`), a `status` event first and on every change, comment heartbeats; the stream ends after a terminal status. Reconnect with `Last-Event-ID` (the same cursor as `/metrics?since`) to continue without a gap or a duplicate.
         */
        get: operations["getJobEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/jobs/{id}/loss.svg": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The loss curve as an SVG chart
         * @description Training and validation loss by epoch; `?log=y` for a logarithmic loss axis. Curves over `maxPoints` are reduced keeping each bucket’s minimum and maximum.
         */
        get: operations["getLossSvg"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The service root: redirects to the dashboard */
        get: operations["redirectToDashboard"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /** BuiltinData */
        BuiltinData: {
            /**
             * @description a dataset that ships with trainyard
             * @enum {string}
             */
            builtin: "xor" | "iris";
        };
        /**
         * CurvePage
         * @description Curve points with epoch > since, oldest first; pass next as since on the next poll
         */
        CurvePage: {
            /** Format: uuid */
            jobId: string;
            /** @enum {string} */
            status: "queued" | "running" | "paused" | "completed" | "failed" | "cancelled";
            points: components["schemas"]["CurvePoint"][];
            next: number;
        };
        /** CurvePoint */
        CurvePoint: {
            epoch: number;
            loss?: number;
            valLoss?: number;
            accuracy?: number;
            valAccuracy?: number;
            elapsedMs: number;
            diverged?: boolean;
        };
        /** Dataset */
        Dataset: {
            /** Format: uuid */
            id: string;
            samples: number;
            inputSize: number;
            outputSize: number;
            bytes: number;
            /** Format: date-time */
            createdAt?: string;
        };
        /** DatasetData */
        DatasetData: {
            /**
             * Format: uuid
             * @description a dataset uploaded with POST /v1/datasets
             */
            datasetId: string;
        };
        /**
         * DatasetList
         * @description A page of datasets, newest first; pass nextCursor as cursor for the next page (null: no more)
         */
        DatasetList: {
            items: components["schemas"]["Dataset"][];
            nextCursor: string | null;
        };
        /** DatasetUpload */
        DatasetUpload: {
            inputs: number[][];
            targets: number[][];
        };
        /** DryRun */
        DryRun: {
            /** @description Σ in×out + out over the layers */
            parameters: number;
            /** @description floating-point operations of the whole run: 6 per weight per training sample, 2 per validation sample, every epoch */
            flops: number;
            /** @description optimizer steps of the whole run */
            steps: number;
            /** @description the memory estimate checked against MAX_MEMORY_BYTES */
            memoryBytes: number;
            /** @description secondsPerJob + steps × secondsPerStep + flops / flopsPerSecond */
            estimatedSeconds: number;
            /** @description every limit the job is checked against */
            limits: components["schemas"]["PlannedLimit"][];
            throughput: components["schemas"]["Throughput"];
        };
        /** EarlyStopping */
        EarlyStopping: {
            /** @enum {string} */
            monitor?: "loss" | "val_loss";
            patience: number;
            minDelta?: number;
            restoreBestWeights?: boolean;
        };
        /** FieldProblem */
        FieldProblem: {
            /** @description JSON Pointer of the bad field, e.g. /model/layers/1/units */
            path: string;
            message: string;
        };
        /**
         * ForkedFrom
         * @description the job this one was forked from (POST /v1/jobs/{id}/fork)
         */
        ForkedFrom: {
            /** Format: uuid */
            jobId: string;
            /** @description the source job’s epoch whose weights and optimizer state the fork starts from */
            epoch: number;
        };
        /** ForkRequest */
        ForkRequest: {
            /** @description epochs to train after the fork point, at least 1 (default: the source's remaining epochs, or as many as it trained when none remain, as for a completed job) */
            epochs?: number;
            /** @description optimizer fields to change; the optimizer type stays the source's */
            optimizer?: {
                learningRate?: number;
                beta1?: number;
                beta2?: number;
                epsilon?: number;
                weightDecay?: number;
                momentum?: number;
            };
            /** @description any text of at most 200 characters without control characters */
            name?: string;
        };
        /** Health */
        Health: {
            status: string;
        };
        /**
         * HyperParameters
         * @description the job’s main hyper-parameters (for lists and dashboards)
         */
        HyperParameters: {
            /** @description layer sizes, input first, e.g. "784-128-10" */
            layers: string;
            learningRate: number;
            batchSize: number;
        };
        /** InlineData */
        InlineData: {
            /** @description one row of numbers per sample */
            inputs: number[][];
            /** @description one row per sample, as many rows as inputs */
            targets: number[][];
        };
        /**
         * Job
         * @description A job’s status, progress and latest metrics
         */
        Job: {
            /** Format: uuid */
            id: string;
            name: string;
            /** @enum {string} */
            status: "queued" | "running" | "paused" | "completed" | "failed" | "cancelled";
            /** Format: date-time */
            createdAt: string;
            startedAt: string | null;
            finishedAt: string | null;
            progress: {
                epoch: number;
                epochs: number;
                fraction: number;
                samplesPerSecond: number | null;
                etaSeconds: number | null;
            };
            latest: {
                epoch: number;
                loss: number | null;
                valLoss: number | null;
                accuracy: number | null;
            };
            seed: number;
            attempts: number;
            error: components["schemas"]["JobError"] | null;
            kernel: string | null;
            lastHeartbeatAt: string | null;
            samplesPerSecond: number | null;
            epochsPerSecond: number | null;
            cancelRequested: boolean;
            stalled: boolean;
            forkedFrom?: components["schemas"]["ForkedFrom"] | null;
            hyperparameters?: components["schemas"]["HyperParameters"] | null;
            links: components["schemas"]["JobLinks"];
        };
        /** JobAccepted */
        JobAccepted: {
            /** Format: uuid */
            id: string;
            /** @enum {string} */
            status: "queued" | "running" | "paused" | "completed" | "failed" | "cancelled";
            /** Format: date-time */
            createdAt: string;
            seed: number;
            links: components["schemas"]["JobLinks"];
        };
        /**
         * JobData
         * @description exactly one of: inline {inputs, targets}, {datasetId}, {builtin}
         */
        JobData: components["schemas"]["InlineData"] | components["schemas"]["DatasetData"] | components["schemas"]["BuiltinData"];
        /**
         * JobError
         * @description why a job failed: diverged (with the epoch), timeout, out_of_memory, invalid_data…
         */
        JobError: {
            code: string;
            message: string;
            epoch?: number;
        };
        /** JobLinks */
        JobLinks: {
            self: string;
            metrics: string;
            result: string;
            events: string;
        };
        /**
         * JobList
         * @description A page of jobs, newest first; pass nextCursor as cursor for the next page (null: no more)
         */
        JobList: {
            items: components["schemas"]["Job"][];
            nextCursor: string | null;
        };
        /**
         * JobSpec
         * @description A training job: the network, its data, the loss, the optimizer and the training settings
         */
        JobSpec: {
            /** @description any text of at most 200 characters without control characters */
            name?: string;
            model: components["schemas"]["Model"];
            /**
             * @default mse
             * @enum {string}
             */
            loss?: "mse" | "cross_entropy" | "binary_cross_entropy";
            optimizer?: components["schemas"]["Optimizer"];
            training?: components["schemas"]["Training"];
            data: components["schemas"]["JobData"];
            webhook?: components["schemas"]["JobWebhook"];
        };
        /**
         * JobWebhook
         * @description signed POSTs to url on the job’s status changes (Standard Webhooks)
         */
        JobWebhook: {
            /** @description https:// URL that receives signed POSTs (Standard Webhooks) */
            url: string;
            /** @description default: every event but progress (progress: at most one a second) */
            events?: ("started" | "progress" | "paused" | "completed" | "failed" | "cancelled")[];
        };
        /** Layer */
        Layer: {
            units: number;
            /** @enum {string} */
            activation: "sigmoid" | "tanh" | "relu" | "leaky_relu" | "linear" | "softmax";
        };
        /**
         * LayerWeights
         * @description W[j][k] connects neuron k of the previous layer to neuron j; b[j] is neuron j’s bias
         */
        LayerWeights: {
            W: number[][];
            b: number[];
        };
        /** Model */
        Model: {
            inputSize: number;
            layers: components["schemas"]["Layer"][];
            /**
             * @default auto
             * @enum {string}
             */
            init?: "auto" | "glorot_uniform" | "glorot_normal" | "he_uniform" | "he_normal" | "lecun_uniform" | "lecun_normal";
            initialWeights?: components["schemas"]["LayerWeights"][] | null;
            fromJob?: string | null;
        };
        /**
         * Optimizer
         * @description adam (default: lr 0.001, β1 0.9, β2 0.999, ε 1e-8, wd 0) or sgd (lr 0.01, momentum 0)
         */
        Optimizer: {
            /**
             * @default adam
             * @enum {string}
             */
            type?: "adam" | "sgd";
            learningRate?: number;
            beta1?: number;
            beta2?: number;
            epsilon?: number;
            weightDecay?: number;
            momentum?: number;
        };
        /** PlannedLimit */
        PlannedLimit: {
            /** @description the setting that holds the limit, e.g. MAX_PARAMETERS */
            name: string;
            /** @description this job’s value */
            value: number;
            /** @description the limit */
            max: number;
        };
        /**
         * Prediction
         * @description one row of outputs per input row
         */
        Prediction: {
            outputs: number[][];
        };
        /** PredictRequest */
        PredictRequest: {
            inputs: number[][];
        };
        /**
         * Problem
         * @description An RFC 9457 problem: every 4xx/5xx answer is application/problem+json
         */
        Problem: {
            /** @description a stable URI per code, e.g. /problems/not_found */
            type: string;
            title: string;
            /** @description the HTTP status */
            status: number;
            /** @description what went wrong, for people */
            detail: string;
            /** @description stable and machine-readable: validation_failed, unauthorized, not_found, job_not_finished, job_failed, conflict, payload_too_large, unsupported_media_type, rate_limited, quota_exceeded, non_finite_output, unavailable, internal, … */
            code: string;
            /** @description every bad field of a validation_failed request */
            errors?: components["schemas"]["FieldProblem"][];
            /** @description on a 500: the request id to quote */
            requestId?: string;
        };
        /** Readiness */
        Readiness: {
            /** @description ready or not_ready */
            status: string;
            checks: {
                redis: components["schemas"]["ReadinessCheck"];
                queue: components["schemas"]["ReadinessCheck"];
                maxmemoryPolicy: components["schemas"]["ReadinessCheck"];
            };
        };
        /** ReadinessCheck */
        ReadinessCheck: {
            ok: boolean;
            detail?: string;
        };
        /**
         * Result
         * @description The trained model: its layers and weights, and the run’s final metrics
         */
        Result: {
            /** Format: uuid */
            jobId: string;
            model: {
                inputSize: number;
                layers: {
                    units: number;
                    /** @enum {string} */
                    activation: "sigmoid" | "tanh" | "relu" | "leaky_relu" | "linear" | "softmax";
                }[];
            };
            weights: {
                W: number[][];
                b: number[];
            }[];
            metrics: {
                finalLoss: number;
                bestValLoss?: number;
                epochsRun: number;
                stoppedEarly: boolean;
                durationMs: number;
            };
            seed: number;
            kernel?: string;
        };
        /** Throughput */
        Throughput: {
            /** @description training FLOP/s of the kernel set on the calibration network */
            flopsPerSecond: number;
            /** @description seconds one optimizer step costs beyond its FLOPs */
            secondsPerStep: number;
            /** @description seconds a job costs beyond its steps (pickup, thread start, data load, final writes) */
            secondsPerJob: number;
            /** @description the kernel set measured; "default" until a worker has measured one */
            kernels: string;
            /** Format: date-time */
            measuredAt: string;
        };
        /** Training */
        Training: {
            /** @default 100 */
            epochs?: number;
            /** @description default min(32, samples) */
            batchSize?: number;
            /** @default true */
            shuffle?: boolean;
            seed?: number | null;
            /** @default 0 */
            validationSplit?: number;
            earlyStopping?: components["schemas"]["EarlyStopping"] | null;
            /**
             * @default float32
             * @enum {string}
             */
            precision?: "float32" | "float64";
            clipNorm?: number | null;
        };
        /** Usage */
        Usage: {
            tenant: string;
            compute: {
                /** @description training seconds (thread wall-clock) used today, UTC */
                usedSeconds: number;
                /** @description TENANT_COMPUTE_SECONDS_PER_DAY; null: unlimited */
                limitSeconds: number | null;
                /**
                 * Format: date-time
                 * @description next midnight UTC
                 */
                resetsAt: string;
            };
            storage: {
                /** @description uploaded datasets; jobs’ inline data, initial and trained weights */
                usedBytes: number;
                /** @description TENANT_MAX_STORED_BYTES; null: unlimited */
                limitBytes: number | null;
            };
        };
        /** WebhookDeliveryAttempt */
        WebhookDeliveryAttempt: {
            /** @description the message id (webhook-id header), the same for every attempt of one event */
            id: string;
            /** @description job.started, job.progress, job.completed, job.failed or job.cancelled */
            type: string;
            attempt: number;
            /** @description delivered (2xx), failed (retried later) or given_up (retry window over) */
            status: string;
            /** @description the receiver’s HTTP status */
            responseStatus?: number;
            /** @description why the attempt failed: timeout, refused address, connection error, non-2xx */
            error?: string;
            /** Format: date-time */
            at: string;
        };
        /** WebhookDeliveryList */
        WebhookDeliveryList: {
            items: components["schemas"]["WebhookDeliveryAttempt"][];
        };
        /** WebhookSecret */
        WebhookSecret: {
            /** @description whsec_<base64 key>: the HMAC-SHA256 key of webhook-signature (Standard Webhooks) */
            secret: string;
            /** @description the secret replaced by the last rotation, which also signs until previousExpiresAt */
            previousSecret?: string;
            /** Format: date-time */
            previousExpiresAt?: string;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type BuiltinData = components['schemas']['BuiltinData'];
export type CurvePage = components['schemas']['CurvePage'];
export type CurvePoint = components['schemas']['CurvePoint'];
export type Dataset = components['schemas']['Dataset'];
export type DatasetData = components['schemas']['DatasetData'];
export type DatasetList = components['schemas']['DatasetList'];
export type DatasetUpload = components['schemas']['DatasetUpload'];
export type DryRun = components['schemas']['DryRun'];
export type EarlyStopping = components['schemas']['EarlyStopping'];
export type FieldProblem = components['schemas']['FieldProblem'];
export type ForkedFrom = components['schemas']['ForkedFrom'];
export type ForkRequest = components['schemas']['ForkRequest'];
export type Health = components['schemas']['Health'];
export type HyperParameters = components['schemas']['HyperParameters'];
export type InlineData = components['schemas']['InlineData'];
export type Job = components['schemas']['Job'];
export type JobAccepted = components['schemas']['JobAccepted'];
export type JobData = components['schemas']['JobData'];
export type JobError = components['schemas']['JobError'];
export type JobLinks = components['schemas']['JobLinks'];
export type JobList = components['schemas']['JobList'];
export type JobSpec = components['schemas']['JobSpec'];
export type JobWebhook = components['schemas']['JobWebhook'];
export type Layer = components['schemas']['Layer'];
export type LayerWeights = components['schemas']['LayerWeights'];
export type Model = components['schemas']['Model'];
export type Optimizer = components['schemas']['Optimizer'];
export type PlannedLimit = components['schemas']['PlannedLimit'];
export type Prediction = components['schemas']['Prediction'];
export type PredictRequest = components['schemas']['PredictRequest'];
export type Problem = components['schemas']['Problem'];
export type Readiness = components['schemas']['Readiness'];
export type ReadinessCheck = components['schemas']['ReadinessCheck'];
export type Result = components['schemas']['Result'];
export type Throughput = components['schemas']['Throughput'];
export type Training = components['schemas']['Training'];
export type Usage = components['schemas']['Usage'];
export type WebhookDeliveryAttempt = components['schemas']['WebhookDeliveryAttempt'];
export type WebhookDeliveryList = components['schemas']['WebhookDeliveryList'];
export type WebhookSecret = components['schemas']['WebhookSecret'];
export type $defs = Record<string, never>;
export interface operations {
    health: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The process answers */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
        };
    };
    ready: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            /** @description Not ready: see checks */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
        };
    };
    listJobs: {
        parameters: {
            query?: {
                status?: "queued" | "running" | "paused" | "completed" | "failed" | "cancelled";
                limit?: number;
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of jobs */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobList"];
                };
            };
            /** @description The request is invalid (validation_failed); errors lists every bad field by JSON Pointer */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    submitJob: {
        parameters: {
            query?: {
                /** @description true: validate and plan the job (200 DryRun) without storing or queueing it */
                dryRun?: boolean;
            };
            header?: {
                /** @description the same key and body return the same job; a different body is a 409 */
                "idempotency-key"?: string;
            };
            path?: never;
            cookie?: never;
        };
        /** @description A training job: the network, its data, the loss, the optimizer and the training settings */
        requestBody: {
            content: {
                "application/json": components["schemas"]["JobSpec"];
            };
        };
        responses: {
            /** @description The plan of a dry run: nothing is stored or queued */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DryRun"];
                };
            };
            /** @description Accepted: the job is queued */
            202: {
                headers: {
                    /** @description the URL of the created resource */
                    Location?: string;
                    /** @description true when this answers an earlier request with the same Idempotency-Key */
                    "Idempotent-Replayed"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobAccepted"];
                };
            };
            /** @description The request is invalid (validation_failed); errors lists every bad field by JSON Pointer */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description data.datasetId or model.fromJob names no dataset or job of this tenant (not_found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The Idempotency-Key was used with a different body (conflict) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is larger than the route accepts (payload_too_large); detail names the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Content-Type (unsupported_media_type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getJob: {
        parameters: {
            query?: never;
            header?: {
                /** @description an ETag received before: 304 while the job is unchanged */
                "if-none-match"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The job’s status */
            200: {
                headers: {
                    /** @description a strong tag of this representation: send it back in If-None-Match to get a 304 */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description Not modified: If-None-Match names the current ETag; no body */
            304: {
                headers: {
                    /** @description a strong tag of this representation: send it back in If-None-Match to get a 304 */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource for this tenant (not_found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource for this tenant (not_found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getJobMetrics: {
        parameters: {
            query?: {
                since?: number;
                /** @description at most this many points: min and max of each bucket are kept */
                maxPoints?: number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of the curve */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["CurvePage"];
                };
            };
            /** @description The request is invalid (validation_failed); errors lists every bad field by JSON Pointer */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource for this tenant (not_found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getJobResult: {
        parameters: {
            query?: never;
            header?: {
                /** @description an ETag received before: 304 (the result never changes) */
                "if-none-match"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The trained model */
            200: {
                headers: {
                    /** @description a strong tag of this representation: send it back in If-None-Match to get a 304 */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Result"];
                };
            };
            /** @description Not modified: If-None-Match names the current ETag; no body */
            304: {
                headers: {
                    /** @description a strong tag of this representation: send it back in If-None-Match to get a 304 */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource for this tenant (not_found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The job has not finished (job_not_finished), or failed or was cancelled (job_failed) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    predict: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PredictRequest"];
            };
        };
        responses: {
            /** @description The model’s outputs, one row per input row */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Prediction"];
                };
            };
            /** @description The request is invalid (validation_failed); errors lists every bad field by JSON Pointer */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource for this tenant (not_found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The job has not finished (job_not_finished), or failed or was cancelled (job_failed) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is larger than the route accepts (payload_too_large); detail names the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Content-Type (unsupported_media_type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An output overflowed to ±Infinity or NaN (non_finite_output); detail names the row */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    cancelJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Cancelled: the job was queued and is now cancelled */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description Cancelling: the running job stops at its next batch */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource for this tenant (not_found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The job has already finished (conflict) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    pauseJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Paused: the job was queued and is now paused */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description Pausing: the running job checkpoints at its next batch and becomes paused */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource for this tenant (not_found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The job is not queued or running (conflict) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    resumeJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Queued again: the job continues from where it was paused */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Job"];
                };
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource for this tenant (not_found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The job is not paused (conflict) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    forkJob: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["ForkRequest"];
            };
        };
        responses: {
            /** @description Accepted: the fork is queued */
            202: {
                headers: {
                    /** @description the URL of the created resource */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["JobAccepted"];
                };
            };
            /** @description The request is invalid (validation_failed); errors lists every bad field by JSON Pointer */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource for this tenant (not_found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The job has no checkpoint to fork from (conflict), or failed without one (job_failed) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    exportOnnx: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description ONNX model (protobuf) */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": string;
                };
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource for this tenant (not_found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request conflicts with the resource’s state (conflict) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    exportTfjsModel: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description TF.js layers-format model.json; weights paths are relative to its URL */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @enum {string} */
                        format: "layers-model";
                        generatedBy: string;
                        convertedBy: null;
                        /** @description Keras-style Sequential of Dense layers (LeakyReLU layers for leaky_relu) */
                        modelTopology: {
                            [key: string]: unknown;
                        };
                        weightsManifest: {
                            paths: string[];
                            weights: {
                                name: string;
                                shape: number[];
                                /** @enum {string} */
                                dtype: "float32";
                            }[];
                        }[];
                    };
                };
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource for this tenant (not_found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request conflicts with the resource’s state (conflict) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    exportTfjsWeights: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                file: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description float32 little-endian weights, in manifest order */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": string;
                };
            };
            /** @description The request is invalid (validation_failed); errors lists every bad field by JSON Pointer */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource for this tenant (not_found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The request conflicts with the resource’s state (conflict) */
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listDatasets: {
        parameters: {
            query?: {
                limit?: number;
                /** @description nextCursor of the previous page */
                cursor?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A page of datasets */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DatasetList"];
                };
            };
            /** @description The request is invalid (validation_failed); errors lists every bad field by JSON Pointer */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    uploadDataset: {
        parameters: {
            query?: {
                /** @description text/csv: how many of the last columns are targets */
                targetColumns?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["DatasetUpload"];
                "text/csv": string;
            };
        };
        responses: {
            /** @description Stored */
            201: {
                headers: {
                    /** @description the URL of the created resource */
                    Location?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Dataset"];
                };
            };
            /** @description The request is invalid (validation_failed); errors lists every bad field by JSON Pointer */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description The body is larger than the route accepts (payload_too_large); detail names the limit */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Unsupported Content-Type (unsupported_media_type) */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getDataset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The dataset’s metadata */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Dataset"];
                };
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource for this tenant (not_found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    deleteDataset: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource for this tenant (not_found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getUsage: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The tenant’s usage */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Usage"];
                };
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getWebhookSecret: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The signing secret */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookSecret"];
                };
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    rotateWebhookSecret: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The new signing secret */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookSecret"];
                };
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    listWebhookDeliveries: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The attempts */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["WebhookDeliveryList"];
                };
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource for this tenant (not_found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getJobEvents: {
        parameters: {
            query?: {
                /** @description start after this epoch when no Last-Event-ID is sent */
                since?: string;
            };
            header?: {
                /** @description the last epoch received: the stream continues after it */
                "last-event-id"?: string;
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description text/event-stream: `progress` and `status` events, comment heartbeats */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource for this tenant (not_found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    getLossSvg: {
        parameters: {
            query?: {
                log?: "y";
                /** @description at most this many points per series (10 … 10000, default 1000) */
                maxPoints?: string;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description an SVG document */
            200: {
                headers: {
                    /** @description a strong tag of this representation: send it back in If-None-Match to get a 304 */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content: {
                    "image/svg+xml": string;
                };
            };
            /** @description Not modified: If-None-Match names the current ETag; no body */
            304: {
                headers: {
                    /** @description a strong tag of this representation: send it back in If-None-Match to get a 304 */
                    ETag?: string;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request is invalid (validation_failed); errors lists every bad field by JSON Pointer */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Authentication is on and the API key is missing or wrong (unauthorized) */
            401: {
                headers: {
                    /** @description Bearer: send Authorization: Bearer <API key> */
                    "WWW-Authenticate"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description No such resource for this tenant (not_found) */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description A rate limit, quota or stream limit was reached (rate_limited, quota_exceeded); retry after Retry-After */
            429: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description An unexpected error (internal); detail carries the request id */
            500: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
            /** @description Redis is unreachable, the server is overloaded or shutting down (unavailable); retry after Retry-After */
            503: {
                headers: {
                    /** @description seconds to wait before retrying */
                    "Retry-After"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/problem+json": components["schemas"]["Problem"];
                };
            };
        };
    };
    redirectToDashboard: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Found: the dashboard is at /dashboard */
            302: {
                headers: {
                    /** @description /dashboard */
                    location?: string;
                    [name: string]: unknown;
                };
                content?: never;
            };
        };
    };
}

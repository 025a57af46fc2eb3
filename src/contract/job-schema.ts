import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { ACTIVATIONS, BUILTIN_DATASETS, INITS, JOB_STATUSES, LOSSES, PRECISIONS } from './job.js';
import { DEFAULT_LIMITS, type JobLimits } from './limits.js';

/**
 * JSON Schemas (TypeBox) of the job submission and the job views. Every object is closed
 * (`additionalProperties: false`) and every array and string bounded, so Ajv with `allErrors`
 * stays cheap and a typo like `learningrate` is a 400, not silently ignored.
 */

/** A string enum as one `enum` keyword (one clear error instead of one per literal). */
export function StringEnum<T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** `schema` or `null`. */
export function Nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

/** Annotation ignored by validation: the OpenAPI document shows this schema instead (the exact rule, where code checks the rest). */
export const DOCUMENTED_AS = 'x-documented-as';

/** UUID (any version) as a string. */
export const Uuid = Type.String({ format: 'uuid', maxLength: 36, minLength: 36 });

/** Job names, labels for people: any text of ≤ 200 code points without control characters (U+0000–U+001F, U+007F–U+009F). */
export const Name = Type.String({
  maxLength: 200,
  pattern: '^[^\\u0000-\\u001f\\u007f-\\u009f]*$',
  description: 'any text of at most 200 characters without control characters',
});

/** `model`: the input size, the layers, the initialisation and an optional warm start. */
function createModelSchema(limits: JobLimits) {
  const maxWidth = Math.max(limits.MAX_INPUT_SIZE, limits.MAX_UNITS);
  const Layer = Type.Object(
    { units: Type.Integer({ minimum: 1, maximum: limits.MAX_UNITS }), activation: StringEnum(ACTIVATIONS) },
    { additionalProperties: false, title: 'Layer' },
  );
  const LayerWeightsSchema = Type.Object(
    {
      W: Type.Array(Type.Array(Type.Number(), { maxItems: maxWidth }), { maxItems: limits.MAX_UNITS }),
      b: Type.Array(Type.Number(), { maxItems: limits.MAX_UNITS }),
    },
    { additionalProperties: false, title: 'LayerWeights', description: 'W[j][k] connects neuron k of the previous layer to neuron j; b[j] is neuron j’s bias' },
  );
  return Type.Object(
    {
      inputSize: Type.Integer({ minimum: 1, maximum: limits.MAX_INPUT_SIZE }),
      layers: Type.Array(Layer, { minItems: 1, maxItems: limits.MAX_LAYERS }),
      init: Type.Optional(StringEnum(INITS, { default: 'auto' })),
      initialWeights: Type.Optional(Nullable(Type.Array(LayerWeightsSchema, { maxItems: limits.MAX_LAYERS }))),
      fromJob: Type.Optional(Nullable(Uuid)),
    },
    { additionalProperties: false, title: 'Model' },
  );
}

/** The optimizer settings a job (and a fork's changes) may set, each optional. */
export const OPTIMIZER_SETTINGS = {
  learningRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10 })),
  beta1: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
  beta2: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
  epsilon: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  weightDecay: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
  momentum: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
};
/** `optimizer`: adam or sgd and their settings. */
const OptimizerSchema = Type.Object(
  { type: Type.Optional(StringEnum(['adam', 'sgd'] as const, { default: 'adam' })), ...OPTIMIZER_SETTINGS },
  { additionalProperties: false, title: 'Optimizer', description: 'adam (default: lr 0.001, β1 0.9, β2 0.999, ε 1e-8, wd 0) or sgd (lr 0.01, momentum 0)' },
);

/** `training`: epochs, batches, seed, validation split, early stopping, precision, clipping. */
function createTrainingSchema(limits: JobLimits) {
  const EarlyStopping = Type.Object(
    {
      monitor: Type.Optional(StringEnum(['loss', 'val_loss'] as const)),
      patience: Type.Integer({ minimum: 0, maximum: limits.MAX_EPOCHS }),
      minDelta: Type.Optional(Type.Number({ minimum: 0, maximum: 1e6 })),
      restoreBestWeights: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false, title: 'EarlyStopping' },
  );
  return Type.Object(
    {
      epochs: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.MAX_EPOCHS, default: 100 })),
      batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: limits.MAX_BATCH_SIZE, description: 'default min(32, samples)' })),
      shuffle: Type.Optional(Type.Boolean({ default: true })),
      seed: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 4294967295 }))),
      validationSplit: Type.Optional(Type.Number({ minimum: 0, maximum: 0.9, default: 0 })),
      earlyStopping: Type.Optional(Nullable(EarlyStopping)),
      precision: Type.Optional(StringEnum(PRECISIONS, { default: 'float32' })),
      clipNorm: Type.Optional(Nullable(Type.Number({ exclusiveMinimum: 0, maximum: 1e6 }))),
    },
    { additionalProperties: false, title: 'Training' },
  );
}

/** `data`: exactly one of inline rows, an uploaded dataset or a builtin one. */
function createDataSchema(limits: JobLimits) {
  const Row = (maxItems: number) => Type.Array(Type.Number(), { minItems: 1, maxItems });
  const inputs = Type.Array(Row(limits.MAX_INPUT_SIZE), { minItems: 1, maxItems: limits.MAX_SAMPLES, description: 'one row of numbers per sample' });
  const targets = Type.Array(Row(limits.MAX_OUTPUT_SIZE), { minItems: 1, maxItems: limits.MAX_SAMPLES, description: 'one row per sample, as many rows as inputs' });
  const datasetId = Type.String({ ...Uuid, description: 'a dataset uploaded with POST /v1/datasets' });
  const builtin = StringEnum(BUILTIN_DATASETS, { description: 'a dataset that ships with trainyard' });
  const InlineData = Type.Object({ inputs, targets }, { additionalProperties: false, title: 'InlineData' });
  const DatasetData = Type.Object({ datasetId }, { additionalProperties: false, title: 'DatasetData' });
  const BuiltinData = Type.Object({ builtin }, { additionalProperties: false, title: 'BuiltinData' });
  // The server validates one object with every source optional and then checks that exactly one
  // is given (check-job.ts), which names the problem in one clear message where Ajv's oneOf
  // would list every branch's failures; the document states the same rule as a oneOf.
  return Type.Object(
    {
      inputs: Type.Optional(inputs),
      targets: Type.Optional(targets),
      datasetId: Type.Optional(datasetId),
      builtin: Type.Optional(builtin),
    },
    {
      additionalProperties: false,
      title: 'JobData',
      description: 'exactly one of: inline {inputs, targets}, {datasetId}, {builtin}',
      [DOCUMENTED_AS]: { oneOf: [InlineData, DatasetData, BuiltinData] },
    },
  );
}

/** `webhook`: where to POST signed notifications of the job's status changes. */
const JobWebhookSchema = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'https:// URL that receives signed POSTs (Standard Webhooks)' }),
    events: Type.Optional(Type.Array(StringEnum(['started', 'progress', 'paused', 'completed', 'failed', 'cancelled'] as const), {
      minItems: 1, maxItems: 6, uniqueItems: true, description: 'default: every event but progress (progress: at most one a second)',
    })),
  },
  { additionalProperties: false, title: 'JobWebhook', description: 'signed POSTs to url on the job’s status changes (Standard Webhooks)' },
);

/** Builds the submission schema for a set of limits (array bounds follow them). */
export function createJobSubmissionSchema(limits: JobLimits = DEFAULT_LIMITS) {
  return Type.Object(
    {
      name: Type.Optional(Name),
      model: createModelSchema(limits),
      loss: Type.Optional(StringEnum(LOSSES, { default: 'mse' })),
      optimizer: Type.Optional(OptimizerSchema),
      training: Type.Optional(createTrainingSchema(limits)),
      data: createDataSchema(limits),
      webhook: Type.Optional(JobWebhookSchema),
    },
    { additionalProperties: false, title: 'JobSpec', description: 'A training job: the network, its data, the loss, the optimizer and the training settings' },
  );
}

export type JobSubmissionSchema = ReturnType<typeof createJobSubmissionSchema>;
/** A submit body as the schema admits it (before semantic checks and defaults). */
export type JobSubmission = Static<JobSubmissionSchema>;

/** `links` of a job. */
export const JobLinks = Type.Object({
  self: Type.String(),
  metrics: Type.String(),
  result: Type.String(),
  events: Type.String(),
}, { title: 'JobLinks' });

export const JobErrorSchema = Type.Object({
  code: Type.String(),
  message: Type.String(),
  epoch: Type.Optional(Type.Integer()),
}, { title: 'JobError', description: 'why a job failed: diverged (with the epoch), timeout, out_of_memory, invalid_data…' });

/** GET /v1/jobs/{id}. */
export const JobView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  name: Type.String(),
  status: StringEnum(JOB_STATUSES),
  createdAt: Type.String({ format: 'date-time' }),
  startedAt: Nullable(Type.String({ format: 'date-time' })),
  finishedAt: Nullable(Type.String({ format: 'date-time' })),
  progress: Type.Object({
    epoch: Type.Integer(),
    epochs: Type.Integer(),
    fraction: Type.Number(),
    samplesPerSecond: Nullable(Type.Number({ description: 'training samples per second of the latest attempt' })),
    etaSeconds: Nullable(Type.Number({ description: 'seconds to the last epoch at the current pace' })),
  }),
  latest: Type.Object({
    epoch: Type.Integer(),
    loss: Nullable(Type.Number()),
    valLoss: Nullable(Type.Number()),
    accuracy: Nullable(Type.Number()),
  }),
  seed: Type.Integer(),
  attempts: Type.Integer(),
  error: Nullable(JobErrorSchema),
  kernel: Nullable(Type.String()),
  lastHeartbeatAt: Nullable(Type.String({ format: 'date-time' })),
  samplesPerSecond: Nullable(Type.Number()),
  epochsPerSecond: Nullable(Type.Number()),
  cancelRequested: Type.Boolean(),
  /** `true` when running but without a heartbeat for `STALLED_HEARTBEAT_MS`. */
  stalled: Type.Boolean(),
  forkedFrom: Type.Optional(Nullable(Type.Object({
    jobId: Type.String({ format: 'uuid' }),
    epoch: Type.Integer({ minimum: 0, description: 'the source job’s epoch whose weights and optimizer state the fork starts from' }),
  }, { title: 'ForkedFrom', description: 'the job this one was forked from (POST /v1/jobs/{id}/fork)' }))),
  hyperparameters: Type.Optional(Nullable(Type.Object({
    layers: Type.String({ description: 'layer sizes, input first, e.g. "784-128-10"' }),
    learningRate: Type.Number(),
    batchSize: Type.Integer(),
  }, { title: 'HyperParameters', description: 'the job’s main hyper-parameters (for lists and dashboards)' }))),
  links: JobLinks,
}, { title: 'Job', description: 'A job’s status, progress and latest metrics' });
export type JobViewType = Static<typeof JobView>;

/** 202 answer of POST /v1/jobs. */
export const JobAccepted = Type.Object({
  id: Type.String({ format: 'uuid' }),
  status: StringEnum(JOB_STATUSES),
  createdAt: Type.String({ format: 'date-time' }),
  seed: Type.Integer(),
  links: JobLinks,
}, { title: 'JobAccepted' });

/** GET /v1/jobs. */
export const JobList = Type.Object({
  items: Type.Array(JobView),
  nextCursor: Nullable(Type.String()),
}, { title: 'JobList', description: 'A page of jobs, newest first; pass nextCursor as cursor for the next page (null: no more)' });

/** One curve point. */
export const CurvePointSchema = Type.Object({
  epoch: Type.Integer(),
  loss: Type.Optional(Type.Number()),
  valLoss: Type.Optional(Type.Number()),
  accuracy: Type.Optional(Type.Number()),
  valAccuracy: Type.Optional(Type.Number()),
  elapsedMs: Type.Number(),
  diverged: Type.Optional(Type.Boolean()),
}, { title: 'CurvePoint' });

/** GET /v1/jobs/{id}/metrics. */
export const CurveView = Type.Object({
  jobId: Type.String({ format: 'uuid' }),
  status: StringEnum(JOB_STATUSES),
  points: Type.Array(CurvePointSchema),
  next: Type.Integer(),
}, { title: 'CurvePage', description: 'Curve points with epoch > since, oldest first; pass next as since on the next poll' });

const WeightsSchema = Type.Array(Type.Object({ W: Type.Array(Type.Array(Type.Number())), b: Type.Array(Type.Number()) }));
/** GET /v1/jobs/{id}/result. */
export const ResultView = Type.Object({
  jobId: Type.String({ format: 'uuid' }),
  model: Type.Object({
    inputSize: Type.Integer(),
    layers: Type.Array(Type.Object({ units: Type.Integer(), activation: StringEnum(ACTIVATIONS) })),
  }),
  weights: WeightsSchema,
  metrics: Type.Object({
    finalLoss: Type.Number(),
    bestValLoss: Type.Optional(Type.Number()),
    epochsRun: Type.Integer(),
    stoppedEarly: Type.Boolean(),
    durationMs: Type.Number(),
  }),
  seed: Type.Integer(),
  kernel: Type.Optional(Type.String()),
}, { title: 'Result', description: 'The trained model: its layers and weights, and the run’s final metrics' });

/** POST /v1/jobs/{id}/predict body. */
export function createPredictSchema(limits: JobLimits = DEFAULT_LIMITS) {
  return Type.Object(
    { inputs: Type.Array(Type.Array(Type.Number(), { minItems: 1, maxItems: limits.MAX_INPUT_SIZE }), { minItems: 1, maxItems: 10_000 }) },
    { additionalProperties: false, title: 'PredictRequest' },
  );
}

export const PredictView = Type.Object({ outputs: Type.Array(Type.Array(Type.Number())) }, { title: 'Prediction', description: 'one row of outputs per input row' });

/** Dataset metadata. */
export const DatasetView = Type.Object({
  id: Type.String({ format: 'uuid' }),
  samples: Type.Integer(),
  inputSize: Type.Integer(),
  outputSize: Type.Integer(),
  bytes: Type.Integer(),
  createdAt: Type.Optional(Type.String({ format: 'date-time' })),
}, { title: 'Dataset' });

/** POST /v1/datasets JSON body (validated while streaming; this schema documents it). */
export const DatasetUpload = Type.Object(
  {
    inputs: Type.Array(Type.Array(Type.Number())),
    targets: Type.Array(Type.Array(Type.Number())),
  },
  { additionalProperties: false, title: 'DatasetUpload' },
);

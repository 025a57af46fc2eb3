/**
 * The contract's job shapes (README, openapi/openapi.json): the normalised job spec a worker trains, statuses,
 * errors, metrics and results. Plain data; no imports.
 */

/** Statuses a job never leaves: the one list of them (the stores' Lua scripts are built from it). */
export const TERMINAL_STATUSES = ['completed', 'failed', 'cancelled'] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

/**
 * Every status a job can have: `queued`, `running`, `paused` (checkpointed and off the queue
 * until resumed; not terminal), then one of {@link TERMINAL_STATUSES}.
 */
export const JOB_STATUSES = ['queued', 'running', 'paused', ...TERMINAL_STATUSES] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** `true` for a status in {@link TERMINAL_STATUSES}. */
export function isTerminalStatus(status: string): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

export const ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'leaky_relu', 'linear', 'softmax'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export const LOSSES = ['mse', 'cross_entropy', 'binary_cross_entropy'] as const;
export type LossName = (typeof LOSSES)[number];

export const INITS = ['auto', 'glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal', 'lecun_uniform', 'lecun_normal'] as const;
export type InitName = (typeof INITS)[number];

export const PRECISIONS = ['float32', 'float64'] as const;
export type Precision = (typeof PRECISIONS)[number];

/** Builtin datasets, usable as `data: { builtin }`. */
export const BUILTIN_DATASETS = ['xor', 'iris'] as const;
export type BuiltinDatasetName = (typeof BUILTIN_DATASETS)[number];

/** One dense layer: `z = W·a_prev + b`, `a = act(z)`. */
export interface LayerSpec {
  units: number;
  activation: Activation;
}

/** One layer's parameters as JSON: `W[j][k]` connects neuron `k` of the previous layer to neuron `j`. */
export interface LayerWeights {
  W: number[][];
  b: number[];
}

/**
 * Each optimizer's settings with their defaults: the one list of what `optimizer` may set for
 * adam and for sgd (docs/mathematics.md gives the update rules). Adam is AdamW (decoupled weight
 * decay); sgd uses classical momentum: `v = μ·v + g`, `θ −= lr·v`.
 */
export const OPTIMIZER_DEFAULTS = {
  adam: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 },
  sgd: { learningRate: 0.01, momentum: 0, weightDecay: 0 },
} as const;
export type OptimizerType = keyof typeof OPTIMIZER_DEFAULTS;

/** A resolved optimizer of `type`: every one of its settings given. */
export type OptimizerOf<T extends OptimizerType> = { type: T } & { -readonly [K in keyof (typeof OPTIMIZER_DEFAULTS)[T]]: number };
export type AdamSpec = OptimizerOf<'adam'>;
export type SgdSpec = OptimizerOf<'sgd'>;
export type OptimizerSpec = AdamSpec | SgdSpec;

/** Keras-style early stopping. */
export interface EarlyStoppingSpec {
  monitor: 'loss' | 'val_loss';
  patience: number;
  minDelta: number;
  restoreBestWeights: boolean;
}

/**
 * Where a job's training data lives. Datasets are never copied into BullMQ job data:
 * - `inline`: sent in the submit body, stored at submit as a blob owned by the job;
 * - `dataset`: uploaded with POST /v1/datasets (owned by `tenant`);
 * - `builtin`: generated in process (`xor`, `iris`).
 */
export type DataRef =
  | { kind: 'inline'; jobId: string }
  | { kind: 'dataset'; datasetId: string; tenant: string }
  | { kind: 'builtin'; name: BuiltinDatasetName };

/**
 * The normalised job spec that is stored once per job (without its data and without initial
 * weights, which are stored as binary next to it) and that a worker maps to engine options.
 * Every default is filled in; `seed` is always set.
 */
export interface JobSpec {
  /** Version of this shape. */
  specVersion: 1;
  name: string;
  model: {
    inputSize: number;
    layers: LayerSpec[];
    init: InitName;
    /**
     * `true` when the job starts from stored initial weights (`model.initialWeights` or
     * `model.fromJob` at submit); read them with the job store's `getInitialWeights`.
     */
    hasInitialWeights: boolean;
    /** The completed job the initial weights were copied from, when `fromJob` was used. */
    fromJob: string | null;
  };
  loss: LossName;
  optimizer: OptimizerSpec;
  training: {
    epochs: number;
    batchSize: number;
    shuffle: boolean;
    /** Integer 0 … 2³²−1; chosen by the server when the client sent none. */
    seed: number;
    validationSplit: number;
    earlyStopping: EarlyStoppingSpec | null;
    /** Gradient clipping by global L2 norm; null = off. */
    clipNorm: number | null;
    precision: Precision;
  };
  data: DataRef;
  /** Dataset dimensions, known at submit (inline, builtin, uploaded). */
  dataShape: { samples: number; inputSize: number; outputSize: number };
}

/** Why a job failed: `diverged`, `timeout`, `out_of_memory`, `invalid_data`, `internal`, … */
export interface JobError {
  code: string;
  message: string;
  /** The epoch it happened in, when known (e.g. `diverged`). */
  epoch?: number;
}

/** Final metrics of a completed job (a result's `metrics` in openapi/openapi.json). */
export interface ResultMetrics {
  finalLoss: number;
  bestValLoss?: number;
  epochsRun: number;
  stoppedEarly: boolean;
  durationMs: number;
}

/** One point of a loss curve (GET /v1/jobs/{id}/metrics in openapi/openapi.json). */
export interface CurvePoint {
  epoch: number;
  loss: number;
  valLoss?: number;
  accuracy?: number;
  valAccuracy?: number;
  elapsedMs: number;
}

/**
 * The engine's public types. The engine is pure: arrays and a seeded RNG in, arrays out; it
 * knows nothing of HTTP, Redis, jobs, threads or clocks.
 */

/** Activations (docs/mathematics.md). `softmax` only on the last layer. */
export type Activation = 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'linear' | 'softmax';

/** Losses (docs/mathematics.md), each the mean over the batch. */
export type LossName = 'mse' | 'cross_entropy' | 'binary_cross_entropy';

/** Weight initialisers; `auto` = He for the relu family, Glorot (Xavier) otherwise. Biases start at 0. */
export type InitName = 'auto' | 'glorot_uniform' | 'glorot_normal' | 'he_uniform' | 'he_normal' | 'lecun_uniform' | 'lecun_normal';

/** Numeric precision of every buffer and kernel of a network. */
export type Precision = 'float32' | 'float64';

/** A typed array of either precision. */
export type FloatArray = Float32Array | Float64Array;

/** One dense layer: `z = W·a_prev + b`, `a = act(z)`. */
export interface LayerSpec {
  units: number;
  activation: Activation;
}

/** A dense feed-forward network's shape. */
export interface NetworkSpec {
  inputSize: number;
  layers: LayerSpec[];
}

/**
 * One layer's parameters in the contract's JSON form: `W[j][k]` connects neuron `k` of the
 * previous layer to neuron `j`; `b[j]` is neuron `j`'s bias. Used only at the boundaries
 * (initial weights in, results out); inside the engine weights are flat typed arrays.
 */
export interface LayerWeights {
  W: number[][];
  b: number[];
}

/** Adam with decoupled weight decay (AdamW), exactly as docs/mathematics.md writes it. */
export interface AdamOptions {
  type: 'adam';
  /** @defaultValue 0.001 */
  learningRate: number;
  /** @defaultValue 0.9 */
  beta1: number;
  /** @defaultValue 0.999 */
  beta2: number;
  /** @defaultValue 1e-8 */
  epsilon: number;
  /** Decoupled: `θ −= lr·wd·θ` before the Adam step, biases included. @defaultValue 0 */
  weightDecay: number;
}

/** SGD with (classical) momentum: `v = μ·v + g`, `θ −= lr·v`; decoupled weight decay as Adam's. */
export interface SgdOptions {
  type: 'sgd';
  learningRate: number;
  /** @defaultValue 0 */
  momentum: number;
  /** @defaultValue 0 */
  weightDecay: number;
}

export type OptimizerOptions = AdamOptions | SgdOptions;

/** Keras-style early stopping. */
export interface EarlyStoppingOptions {
  /** @defaultValue 'val_loss' when there is validation data, else 'loss' */
  monitor: 'loss' | 'val_loss';
  /** Epochs without an improvement of more than `minDelta` before stopping. */
  patience: number;
  /** @defaultValue 0 */
  minDelta: number;
  /** Put back the best epoch's weights when stopping (and at the end). @defaultValue true */
  restoreBestWeights: boolean;
}

/**
 * A training dataset: `samples` rows, row-major. `inputs.length === samples·inputSize`,
 * `targets.length === samples·outputSize`. Float64Array is accepted whatever the precision;
 * the engine converts once, up front.
 */
export interface Dataset {
  samples: number;
  inputSize: number;
  outputSize: number;
  inputs: FloatArray;
  targets: FloatArray;
}

/** Everything that decides a training run (together with the dataset). */
export interface TrainingOptions {
  network: NetworkSpec;
  loss: LossName;
  optimizer: OptimizerOptions;
  /** @defaultValue 'auto' */
  init: InitName;
  /** Warm start: same shape as a result's `weights`; shape-checked (ShapeError). */
  initialWeights?: LayerWeights[] | null;
  epochs: number;
  batchSize: number;
  /** Reshuffle the training rows every epoch with the seeded PRNG. */
  shuffle: boolean;
  /** Seeds initialisation and shuffling: integer 0 … 2³²−1. */
  seed: number;
  /** The last fraction of rows (taken before shuffling) is validation data, as Keras does. @defaultValue 0 */
  validationSplit: number;
  earlyStopping?: EarlyStoppingOptions | null;
  /** Gradient clipping by global L2 norm over all parameters; null = off. */
  clipNorm?: number | null;
  /** @defaultValue 'float32' */
  precision: Precision;
}

/** What an epoch reports. `loss` is the batch-size-weighted mean of its batch losses. */
export interface EpochMetrics {
  epoch: number;
  loss: number;
  valLoss?: number;
  /** For `cross_entropy` (argmax) and `binary_cross_entropy` (threshold 0.5). */
  accuracy?: number;
  valAccuracy?: number;
}

/** What the trainer reports after every optimizer step. */
export interface BatchInfo {
  /** 1-based epoch in progress. */
  epoch: number;
  /** 0-based index of the batch just applied within the epoch. */
  batch: number;
  batchesPerEpoch: number;
  batchLoss: number;
  /** Optimizer steps so far (Adam's `t`). */
  step: number;
}

/** Final outcome of {@link TrainingRun}. */
export interface TrainingOutcome {
  /** `completed` all epochs, `early_stopped`, or `stopped` by the caller's `shouldStop`. */
  reason: 'completed' | 'early_stopped' | 'stopped';
  epochsRun: number;
  finalLoss: number;
  bestValLoss?: number;
  stoppedEarly: boolean;
}

/** Hooks the caller (a worker thread, a test, a benchmark) passes to `run()`. */
export interface TrainingCallbacks {
  /** After every optimizer step. */
  onBatch?(info: BatchInfo): void;
  /** After every epoch, with its metrics. */
  onEpoch?(metrics: EpochMetrics): void;
  /** Read between batches; `true` makes `run()` return with reason `stopped` at a batch boundary. */
  shouldStop?(): boolean;
}

/**
 * The matrix kernels the engine's forward and backward passes call, behind an interface so that
 * faster ones (WebAssembly SIMD) can replace the TypeScript reference. All matrices are
 * row-major and all arrays come from {@link Kernels.allocate} of the same kernel set.
 * One kernel set serves one precision.
 */
export interface Kernels<A extends FloatArray = FloatArray> {
  /** Stable name, recorded with each result, e.g. `ts`, `wasm-simd`, `wasm-relaxed-simd`. */
  readonly name: string;
  readonly precision: Precision;
  /**
   * Allocates every buffer a network or trainer needs at once (zero-filled), in memory these
   * kernels can address. Views from earlier calls stay valid.
   */
  allocate(lengths: readonly number[]): A[];
  /** `C[m×n] = A[m×k] · B[k×n]` (overwrites C). */
  matMul(a: A, b: A, c: A, m: number, k: number, n: number): void;
  /** `C[m×n] = A[k×m]ᵀ · B[k×n]` (overwrites C). */
  matMulTransA(a: A, b: A, c: A, m: number, k: number, n: number): void;
  /** `C[m×n] = A[m×k] · B[n×k]ᵀ` (overwrites C). */
  matMulTransB(a: A, b: A, c: A, m: number, k: number, n: number): void;
  /** `z[r][j] += bias[j]`, then `out[r][j] = act(z[r][j])` for `rows × cols`; softmax is per row. */
  biasActivation(z: A, bias: A, out: A, rows: number, cols: number, activation: Activation): void;
  /** `dz[i] *= act'(z[i])` (given `a = act(z)` too), for every activation but softmax. */
  activationBackward(dz: A, z: A, a: A, length: number, activation: Exclude<Activation, 'softmax'>): void;
  /** `out[j] = Σ_r m[r][j]` (the bias gradient from `dZ`). */
  sumRows(m: A, out: A, rows: number, cols: number): void;
  /**
   * One AdamW step over `length` parameters (docs/mathematics.md): `θ −= lr·wd·θ`; `m = β1·m + (1−β1)·g`;
   * `v = β2·v + (1−β2)·g²`; `θ −= lr·(m/(1−β1^t)) / (sqrt(v/(1−β2^t)) + ε)`.
   * `gradScale` multiplies `g` first (gradient clipping); pass 1 otherwise.
   */
  adamStep(
    theta: A, g: A, m: A, v: A, length: number,
    lr: number, beta1: number, beta2: number, epsilon: number, weightDecay: number, t: number, gradScale: number,
  ): void;
}

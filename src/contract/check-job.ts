import { OPTIMIZER_DEFAULTS, type DataRef, type EarlyStoppingSpec, type JobSpec, type OptimizerOf, type OptimizerType } from './job.js';
import { OPTIMIZER_SETTINGS, type JobSubmission } from './job-schema.js';
import { estimateTrainingBytes, type JobLimits } from './limits.js';
import { checkWeightsShape, countParameters } from './weights.js';

/** One problem with a submission: a JSON Pointer into the body and what is wrong there. */
export interface Problem {
  path: string;
  message: string;
}

/** A dataset's dimensions. */
export interface DataShape {
  samples: number;
  inputSize: number;
  outputSize: number;
}

/** Where the data comes from, as the body says (before it is resolved). */
export type DataSource = 'inline' | 'dataset' | 'builtin';

/**
 * Which data source a body names, or problems when it names none or several, or inline data
 * that is not rectangular.
 */
export function checkDataSource(data: JobSubmission['data']): { source: DataSource | null; problems: Problem[] } {
  const named: DataSource[] = [];
  if (data.inputs !== undefined || data.targets !== undefined) named.push('inline');
  if (data.datasetId !== undefined) named.push('dataset');
  if (data.builtin !== undefined) named.push('builtin');
  if (named.length !== 1) {
    return { source: null, problems: [{ path: '/data', message: 'must have exactly one of {inputs, targets}, datasetId or builtin' }] };
  }
  const problems: Problem[] = [];
  if (named[0] === 'inline') {
    if (data.inputs === undefined) problems.push({ path: '/data/inputs', message: 'is required with targets' });
    if (data.targets === undefined) problems.push({ path: '/data/targets', message: 'is required with inputs' });
    if (data.inputs && data.targets && data.inputs.length !== data.targets.length) {
      problems.push({ path: '/data/targets', message: `must have as many rows as inputs (${data.inputs.length}), has ${data.targets.length}` });
    }
    for (const field of ['inputs', 'targets'] as const) {
      const rows = data[field];
      if (!rows || rows.length === 0) continue;
      const width = rows[0].length;
      const bad = rows.findIndex((row) => row.length !== width);
      if (bad >= 0) problems.push({ path: `/data/${field}/${bad}`, message: `must have ${width} numbers like row 0, has ${rows[bad].length}` });
    }
  }
  return { source: named[0], problems };
}

/** The shape of inline data (call after {@link checkDataSource} found no problem). */
export function inlineDataShape(data: JobSubmission['data']): DataShape {
  return { samples: data.inputs!.length, inputSize: data.inputs![0].length, outputSize: data.targets![0].length };
}

/** Checks a dataset's size against the limits (also used for uploads). */
export function checkDatasetLimits(shape: DataShape, limits: JobLimits, basePath = '/data'): Problem[] {
  const problems: Problem[] = [];
  if (shape.samples > limits.MAX_SAMPLES) problems.push({ path: basePath, message: `has ${shape.samples} samples; the limit is ${limits.MAX_SAMPLES}` });
  if (shape.inputSize > limits.MAX_INPUT_SIZE) problems.push({ path: basePath, message: `has ${shape.inputSize} inputs per sample; the limit is ${limits.MAX_INPUT_SIZE}` });
  if (shape.outputSize > limits.MAX_OUTPUT_SIZE) problems.push({ path: basePath, message: `has ${shape.outputSize} targets per sample; the limit is ${limits.MAX_OUTPUT_SIZE}` });
  const numbers = shape.samples * (shape.inputSize + shape.outputSize);
  if (numbers > limits.MAX_DATASET_NUMBERS) problems.push({ path: basePath, message: `has ${numbers} numbers; the limit is ${limits.MAX_DATASET_NUMBERS}` });
  return problems;
}

/**
 * The `type` optimizer with each of its settings taken from `given`, else from `fallback` (its
 * defaults; a fork passes its source's settings). Settings of the other optimizer are ignored.
 */
export function resolveOptimizer<T extends OptimizerType>(type: T, given: object, fallback: OptimizerOf<T> | undefined = undefined): OptimizerOf<T> {
  const settings: Record<string, number> = {};
  const defaults: Record<string, number> = fallback ?? OPTIMIZER_DEFAULTS[type];
  for (const key of Object.keys(OPTIMIZER_DEFAULTS[type])) settings[key] = (given as Record<string, number | undefined>)[key] ?? defaults[key];
  return { type, ...settings } as OptimizerOf<T>;
}

function resolveEarlyStopping(sub: JobSubmission): EarlyStoppingSpec | null {
  const es = sub.training?.earlyStopping;
  if (!es) return null;
  const split = sub.training?.validationSplit ?? 0;
  return {
    monitor: es.monitor ?? (split > 0 ? 'val_loss' : 'loss'),
    patience: es.patience,
    minDelta: es.minDelta ?? 0,
    restoreBestWeights: es.restoreBestWeights ?? true,
  };
}

/** Default batch size: 32, or every sample when there are fewer. */
export function defaultBatchSize(samples: number): number {
  return Math.max(1, Math.min(32, samples));
}

/**
 * Training rows of `samples` with `validationSplit`: the first `floor(n·(1 − s))` (the rest
 * validate). The engine's `trainRowCount` applies the same rule; a unit test holds them equal.
 */
export function trainingRowCount(samples: number, validationSplit: number): number {
  return validationSplit > 0 ? Math.floor(samples * (1 - validationSplit)) : samples;
}

/** Activations and loss that fit together, and the output layer's size. */
function checkLayers(sub: JobSubmission, limits: JobLimits): Problem[] {
  const problems: Problem[] = [];
  const layers = sub.model.layers;
  const last = layers.length - 1;
  layers.forEach((layer, i) => {
    if (layer.activation === 'softmax' && i !== last) {
      problems.push({ path: `/model/layers/${i}/activation`, message: 'softmax is allowed only on the last layer' });
    }
  });
  const loss = sub.loss ?? 'mse';
  if (loss === 'cross_entropy' && layers[last].activation !== 'softmax') {
    problems.push({ path: `/model/layers/${last}/activation`, message: 'cross_entropy needs a softmax output layer' });
  }
  if (loss === 'binary_cross_entropy' && layers[last].activation !== 'sigmoid') {
    problems.push({ path: `/model/layers/${last}/activation`, message: 'binary_cross_entropy needs a sigmoid output layer' });
  }
  if (layers[last].units > limits.MAX_OUTPUT_SIZE) {
    problems.push({ path: `/model/layers/${last}/units`, message: `an output layer has at most ${limits.MAX_OUTPUT_SIZE} units` });
  }
  return problems;
}

/** Options of the other optimizer, and warm-start weights that fit the model. */
function checkOptimizerAndWarmStart(sub: JobSubmission): Problem[] {
  const problems: Problem[] = [];
  const optimizer = sub.optimizer ?? {};
  const type = optimizer.type ?? 'adam';
  for (const field of Object.keys(OPTIMIZER_SETTINGS) as (keyof typeof OPTIMIZER_SETTINGS)[]) {
    if (optimizer[field] !== undefined && !(field in OPTIMIZER_DEFAULTS[type])) problems.push({ path: `/optimizer/${field}`, message: `is not an option of ${type}` });
  }
  const { model } = sub;
  if (model.initialWeights && model.fromJob) {
    problems.push({ path: '/model/fromJob', message: 'cannot be combined with initialWeights' });
  }
  if (model.initialWeights) {
    problems.push(...checkWeightsShape(model.initialWeights, model.inputSize, model.layers, '/model/initialWeights'));
  }
  return problems;
}

/** Data that fits the model's input and output sizes. */
function checkDataFit(sub: JobSubmission, shape: DataShape): Problem[] {
  const problems: Problem[] = [];
  const { model } = sub;
  const last = model.layers.length - 1;
  if (shape.inputSize !== model.inputSize) {
    problems.push({ path: '/model/inputSize', message: `is ${model.inputSize} but the data has ${shape.inputSize} inputs per sample` });
  }
  if (shape.outputSize !== model.layers[last].units) {
    problems.push({ path: `/model/layers/${last}/units`, message: `is ${model.layers[last].units} but the data has ${shape.outputSize} targets per sample` });
  }
  return problems;
}

/** A batch size and validation split the data allows, and early stopping that has something to monitor. */
function checkTraining(sub: JobSubmission, shape: DataShape): Problem[] {
  const problems: Problem[] = [];
  const training = sub.training ?? {};
  const batchSize = training.batchSize ?? defaultBatchSize(shape.samples);
  const split = training.validationSplit ?? 0;
  if (batchSize > shape.samples) {
    problems.push({ path: '/training/batchSize', message: `must be ≤ the number of samples (${shape.samples})` });
  }
  const trainRows = trainingRowCount(shape.samples, split);
  if (split > 0 && trainRows < 1) problems.push({ path: '/training/validationSplit', message: 'leaves no training samples' });
  if (split > 0 && shape.samples - trainRows < 1) problems.push({ path: '/training/validationSplit', message: 'leaves no validation samples' });
  if (training.earlyStopping?.monitor === 'val_loss' && split === 0) {
    problems.push({ path: '/training/earlyStopping/monitor', message: 'val_loss needs validationSplit > 0' });
  }
  return problems;
}

/** Parameters, weights bytes, the work budget `parameters × samples × epochs` and the memory estimate. */
function checkBudgets(sub: JobSubmission, shape: DataShape, limits: JobLimits): Problem[] {
  const problems: Problem[] = [];
  const { model } = sub;
  const training = sub.training ?? {};
  const params = countParameters(model.inputSize, model.layers);
  if (params > limits.MAX_PARAMETERS) {
    problems.push({ path: '/model/layers', message: `the model has ${params} parameters; the limit is ${limits.MAX_PARAMETERS}` });
  }
  if (params * 8 > limits.MAX_WEIGHTS_BYTES) {
    problems.push({ path: '/model/layers', message: `the trained weights would take ${params * 8} bytes; the limit is ${limits.MAX_WEIGHTS_BYTES}` });
  }
  const work = params * shape.samples * (training.epochs ?? 100);
  if (work > limits.MAX_WORK) {
    problems.push({
      path: '/training/epochs',
      message: `parameters × samples × epochs = ${work.toExponential(3)} exceeds the compute budget ${limits.MAX_WORK.toExponential(3)}`,
    });
  }
  const bytes = estimateTrainingBytes({
    inputSize: model.inputSize,
    layerUnits: model.layers.map((l) => l.units),
    samples: shape.samples,
    batchSize: training.batchSize ?? defaultBatchSize(shape.samples),
    precision: training.precision ?? 'float32',
    optimizer: sub.optimizer?.type ?? 'adam',
    earlyStopping: Boolean(training.earlyStopping),
  });
  if (bytes > limits.MAX_MEMORY_BYTES) {
    problems.push({ path: '/model', message: `training needs an estimated ${bytes} bytes; the memory limit is ${limits.MAX_MEMORY_BYTES}` });
  }
  return problems;
}

/**
 * The semantic checks of a schema-valid submission, by arithmetic on the spec and the data's
 * shape: activations and losses that fit together, data that fits the model, warm-start
 * weights that fit, and every limit (parameters, samples, batch size, work budget
 * `parameters × samples × epochs`, memory estimate). Returns every problem found, as data.
 */
export function checkJobSubmission(sub: JobSubmission, shape: DataShape, limits: JobLimits): Problem[] {
  return [
    ...checkLayers(sub, limits),
    ...checkOptimizerAndWarmStart(sub),
    ...checkDataFit(sub, shape),
    ...checkDatasetLimits(shape, limits),
    ...checkTraining(sub, shape),
    ...checkBudgets(sub, shape, limits),
  ];
}

/**
 * Fills every default of a checked submission into the stored {@link JobSpec}.
 * @param context.seed the seed to use when the body has none (the server draws it).
 */
export function normalizeJobSubmission(
  sub: JobSubmission,
  context: { data: DataRef; shape: DataShape; seed: number; hasInitialWeights: boolean },
): JobSpec {
  const training = sub.training ?? {};
  return {
    specVersion: 1,
    name: sub.name ?? '',
    model: {
      inputSize: sub.model.inputSize,
      layers: sub.model.layers.map((l) => ({ units: l.units, activation: l.activation })),
      init: sub.model.init ?? 'auto',
      hasInitialWeights: context.hasInitialWeights,
      fromJob: sub.model.fromJob ?? null,
    },
    loss: sub.loss ?? 'mse',
    optimizer: sub.optimizer?.type === 'sgd' ? resolveOptimizer('sgd', sub.optimizer) : resolveOptimizer('adam', sub.optimizer ?? {}),
    training: {
      epochs: training.epochs ?? 100,
      batchSize: training.batchSize ?? defaultBatchSize(context.shape.samples),
      shuffle: training.shuffle ?? true,
      seed: training.seed ?? context.seed,
      validationSplit: training.validationSplit ?? 0,
      earlyStopping: resolveEarlyStopping(sub),
      clipNorm: training.clipNorm ?? null,
      precision: training.precision ?? 'float32',
    },
    data: context.data,
    dataShape: { ...context.shape },
  };
}

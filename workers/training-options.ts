import type { JobSpec, LayerWeights } from '../src/contract/job.js';
import type { TrainingOptions } from '../src/engine/types.js';

/**
 * The one place a contract {@link JobSpec} becomes engine {@link TrainingOptions}. Everything
 * that decides the numbers (seed, shuffle, precision, optimizer constants) is copied here, so a
 * resumed attempt builds exactly the options of the first one.
 * @param initialWeights the job's stored initial weights (warm start), or `null`.
 */
export function toTrainingOptions(spec: JobSpec, initialWeights: LayerWeights[] | null): TrainingOptions {
  const { model, training, optimizer } = spec;
  return {
    network: {
      inputSize: model.inputSize,
      layers: model.layers.map((layer) => ({ units: layer.units, activation: layer.activation })),
    },
    loss: spec.loss,
    optimizer: { ...optimizer },
    init: model.init,
    initialWeights,
    epochs: training.epochs,
    batchSize: training.batchSize,
    shuffle: training.shuffle,
    seed: training.seed,
    validationSplit: training.validationSplit,
    earlyStopping: training.earlyStopping
      ? {
          monitor: training.earlyStopping.monitor,
          patience: training.earlyStopping.patience,
          minDelta: training.earlyStopping.minDelta,
          restoreBestWeights: training.earlyStopping.restoreBestWeights,
        }
      : null,
    clipNorm: training.clipNorm,
    precision: training.precision,
  };
}

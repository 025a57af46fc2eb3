import { totalmem } from 'node:os';
import type { DatasetArrays } from '../../src/store/builtin-datasets.js';

/**
 * Bytes a worker keeps of decoded uploaded datasets: 512 MiB, or an eighth of the machine's
 * memory when that is less (one MNIST-size upload of 60,000 rows takes 381 MB as float64).
 */
export const DATASET_CACHE_BYTES = Math.min(512 * 1024 * 1024, Math.floor(totalmem() / 8));

/** A Float64Array on a SharedArrayBuffer with `values`' contents. */
function sharedCopy(values: Float64Array): Float64Array {
  const out = new Float64Array(new SharedArrayBuffer(values.byteLength));
  out.set(values);
  return out;
}

/**
 * The decoded arrays of the uploaded datasets this worker trained on last, so the next job on
 * the same dataset skips reading and decoding it from Redis (for a 10,000 × 784 upload, about
 * 200 ms of a 3-epoch job). Uploaded datasets never change (a new upload gets a new id), so an
 * entry stays valid as long as the dataset's metadata matches; the caller still reads that
 * metadata for every job, so a deleted dataset fails the job as before.
 *
 * The arrays live on SharedArrayBuffers and go to the training threads without a copy: several
 * jobs on one dataset share one copy. The engine only reads them. Least recently used entries
 * go first when the total passes `maxBytes`; a dataset larger than that is never kept.
 */
export class DatasetCache {
  private readonly entries = new Map<string, DatasetArrays>();
  private bytes = 0;

  /** @param maxBytes - bytes of arrays kept at most @defaultValue {@link DATASET_CACHE_BYTES} */
  constructor(readonly maxBytes = DATASET_CACHE_BYTES) {}

  /** The cached arrays under `key` (refreshing their place), if any. */
  get(key: string): DatasetArrays | undefined {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
    }
    return hit;
  }

  /**
   * Keeps `arrays` under `key` and returns the shared copies to train on (or `arrays` itself
   * when they are larger than the whole cache).
   */
  set(key: string, arrays: DatasetArrays): DatasetArrays {
    const size = arrays.inputs.byteLength + arrays.targets.byteLength;
    if (size > this.maxBytes) return arrays;
    this.delete(key);
    while (this.bytes + size > this.maxBytes) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest);
    }
    const entry: DatasetArrays = { ...arrays, inputs: sharedCopy(arrays.inputs), targets: sharedCopy(arrays.targets) };
    this.entries.set(key, entry);
    this.bytes += size;
    return entry;
  }

  /** Bytes of arrays kept. */
  get size(): number {
    return this.bytes;
  }

  private delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.inputs.byteLength + entry.targets.byteLength;
  }
}

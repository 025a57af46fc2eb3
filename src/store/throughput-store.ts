import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { DEFAULT_THROUGHPUT, type Throughput } from '../contract/job-plan.js';
import { createKeys } from './keys.js';

/** The workers' measured training speed, the basis of a dry run's `estimatedSeconds`. */
export interface ThroughputStore {
  /** Stores a worker's calibration (the latest measurement wins). */
  saveThroughput(throughput: Throughput): Promise<void>;
  /** The latest calibration, or {@link DEFAULT_THROUGHPUT} when no worker has measured one yet. */
  readThroughput(): Promise<Throughput>;
}

/** Options of {@link createThroughputStore}: the connection and `KEY_PREFIX`. */
export interface ThroughputStoreOptions {
  redis: Redis;
  config: Pick<Config, 'KEY_PREFIX'>;
}

function isThroughput(value: unknown): value is Throughput {
  const t = value as Partial<Throughput> | null;
  return typeof t === 'object' && t !== null
    && [t.flopsPerSecond, t.secondsPerStep, t.secondsPerJob].every((n) => typeof n === 'number' && Number.isFinite(n) && n >= 0)
    && (t.flopsPerSecond ?? 0) > 0;
}

/** Creates the {@link ThroughputStore} (one string key, `keys.throughput`). */
export function createThroughputStore({ redis, config }: ThroughputStoreOptions): ThroughputStore {
  const key = createKeys(config.KEY_PREFIX).throughput;
  return {
    async saveThroughput(throughput) {
      await redis.set(key, JSON.stringify(throughput));
    },
    async readThroughput() {
      const text = await redis.get(key);
      if (text === null) return DEFAULT_THROUGHPUT;
      try {
        const parsed: unknown = JSON.parse(text);
        return isThroughput(parsed) ? parsed : DEFAULT_THROUGHPUT;
      } catch {
        return DEFAULT_THROUGHPUT;
      }
    },
  };
}

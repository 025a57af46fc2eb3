import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { CurvePoint } from '../contract/job.js';
import { createKeys } from './keys.js';

/**
 * The explicit last point of a diverged job: the epoch where the loss or the weights became
 * NaN/Inf, with `diverged: true` and no `loss` (never a `null` loss).
 */
export interface DivergedMarker {
  epoch: number;
  diverged: true;
  elapsedMs: number;
}

/** A curve point as stored: a normal point or the divergence marker. */
export type StoredCurvePoint = CurvePoint | DivergedMarker;

/** A page of the curve, as GET /v1/jobs/{id}/metrics answers it. */
export interface CurvePage {
  /** Points with `epoch > since`, oldest first. */
  points: StoredCurvePoint[];
  /** The value to pass as `since` next time: the last epoch returned, or `since` when none. */
  next: number;
}

/** Reads and writes loss curves: one sorted set per job, score = epoch, member = the point as JSON. */
export interface MetricsStore {
  /**
   * Appends points in one round trip. Idempotent per epoch: a point replaces any earlier point
   * of the same epoch, so a resumed run that re-trains epochs does not duplicate them. Refreshes
   * the curve's expiry.
   */
  appendPoints(jobId: string, points: readonly StoredCurvePoint[]): Promise<void>;
  /** Points with `epoch > since`, oldest first, at most `limit` of them. */
  readCurve(jobId: string, since?: number, limit?: number): Promise<CurvePage>;
  /** Number of stored points. */
  countPoints(jobId: string): Promise<number>;
  /** Removes the curve. */
  deleteCurve(jobId: string): Promise<void>;
}

/**
 * Options of {@link createMetricsStore}: `KEY_PREFIX`; `JOB_TTL_SECONDS` (the curve expires this
 * long after its last write); `MAX_CURVE_POINTS` (hard cap on stored points, the oldest beyond it
 * are dropped).
 */
export interface MetricsStoreOptions {
  redis: Redis;
  config: Pick<Config, 'KEY_PREFIX' | 'JOB_TTL_SECONDS' | 'MAX_CURVE_POINTS'>;
}

/**
 * The stride that keeps a curve of `epochs` epochs within `maxPoints` points: the worker keeps
 * epochs that are multiples of it (plus the first and the last), so a curve of any length is
 * downsampled evenly and the same epochs are kept on every run and every resume.
 */
export function curveStride(epochs: number, maxPoints: number): number {
  // Two slots are reserved for the first and the last epoch.
  return Math.max(1, Math.ceil(epochs / Math.max(1, maxPoints - 2)));
}

/** `true` when a run of `epochs` epochs keeps epoch `epoch` as a curve point. */
export function isCurveEpoch(epoch: number, epochs: number, stride: number): boolean {
  return epoch === 1 || epoch === epochs || epoch % stride === 0;
}

/** Creates the metrics (loss curve) store. */
export function createMetricsStore(options: MetricsStoreOptions): MetricsStore {
  const { redis, config } = options;
  const keys = createKeys(config.KEY_PREFIX);
  const ttlSeconds = config.JOB_TTL_SECONDS;
  const maxPoints = config.MAX_CURVE_POINTS;
  return {
    async appendPoints(jobId, points) {
      if (points.length === 0) return;
      const key = keys.jobCurve(jobId);
      const zaddArgs: (string | number)[] = [];
      let first = Infinity;
      let last = -Infinity;
      for (const point of points) {
        zaddArgs.push(point.epoch, JSON.stringify(point));
        first = Math.min(first, point.epoch);
        last = Math.max(last, point.epoch);
      }
      // Replace, not add: a resumed run re-writes epochs with other members (elapsedMs differs).
      // The kept epochs are the same on every run, so clearing the batch's epoch range first
      // removes exactly the earlier copies of these points.
      const multi = redis.multi().zremrangebyscore(key, first, last);
      multi.zadd(key, ...zaddArgs);
      // Bound the curve whatever the writer does: drop the oldest beyond maxPoints.
      multi.zremrangebyrank(key, 0, -(maxPoints + 1));
      multi.expire(key, ttlSeconds);
      const results = await multi.exec();
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0];
    },

    async readCurve(jobId, since = 0, limit = maxPoints) {
      const members = await redis.zrangebyscore(keys.jobCurve(jobId), `(${since}`, '+inf', 'LIMIT', 0, limit);
      const points = members.map((member) => JSON.parse(member) as StoredCurvePoint);
      return { points, next: points.length > 0 ? points[points.length - 1].epoch : since };
    },

    async countPoints(jobId) {
      return redis.zcard(keys.jobCurve(jobId));
    },

    async deleteCurve(jobId) {
      await redis.del(keys.jobCurve(jobId));
    },
  };
}

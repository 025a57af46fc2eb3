import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { CurvePoint } from '../contract/job.js';
import { createKeys, type Keys } from './keys.js';
import { READ_CURVE, WRITE_CURVE } from './lua/curve-scripts.js';
import { runScript } from './lua/script.js';

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

/**
 * Reads and writes loss curves: one point per epoch, every epoch kept (up to `MAX_EPOCHS`),
 * as fixed-width binary records in one string per job (see {@link CURVE_RECORD_BYTES}).
 */
export interface MetricsStore {
  /**
   * Writes points in one round trip, each at its epoch's own offset: idempotent per epoch, so a
   * resumed run that re-trains epochs replaces their points instead of duplicating them.
   * Refreshes the curve's expiry. Points at or before the curve's first epoch are ignored.
   */
  appendPoints(jobId: string, points: readonly StoredCurvePoint[]): Promise<void>;
  /**
   * Points with `epoch > since`, oldest first, at most `limit` of them.
   * @param limit default `MAX_CURVE_POINTS`; any larger value (even `Infinity`) reads to the end.
   */
  readCurve(jobId: string, since?: number, limit?: number): Promise<CurvePage>;
  /**
   * Starts the curve of a job whose first epoch is `firstEpoch + 1` (a fork continues its
   * source's epochs). No effect when the job already has a curve.
   */
  startCurve(jobId: string, firstEpoch: number): Promise<void>;
  /** Number of stored points. */
  countPoints(jobId: string): Promise<number>;
  /** Removes the curve. */
  deleteCurve(jobId: string): Promise<void>;
}

/**
 * Options of {@link createMetricsStore}: `KEY_PREFIX`; `JOB_TTL_SECONDS` (the curve expires this
 * long after its last write); `MAX_CURVE_POINTS` (the default page size of a read).
 */
export interface MetricsStoreOptions {
  redis: Redis;
  config: Pick<Config, 'KEY_PREFIX' | 'JOB_TTL_SECONDS' | 'MAX_CURVE_POINTS'>;
}

/**
 * Layout of a curve string: a 16-byte header (`TYC1` and the curve's base epoch as 12 ASCII
 * digits), then one record per epoch, epoch `e` at byte `16 + (e − base − 1) · 48`:
 * u32 flags, u32 epoch, f64 loss, valLoss, accuracy, valAccuracy, elapsedMs (little-endian).
 * 100,000 epochs take 4.8 MB. A record never written reads as zero flags: no point.
 */
export const CURVE_RECORD_BYTES = 48;
const HEADER_BYTES = 16;
const MAGIC = 'TYC1';
/** Flag bits of a record: written at all; the divergence marker (no loss). */
const PRESENT = 1;
const DIVERGED = 16;
/** The optional fields of a record: each has its flag bit and its f64's byte offset. */
const OPTIONAL_FIELDS = [
  { name: 'valLoss', flag: 2, offset: 16 },
  { name: 'accuracy', flag: 4, offset: 24 },
  { name: 'valAccuracy', flag: 8, offset: 32 },
] as const;
/**
 * Records a curve may hold past its base epoch (48 MB), far above `MAX_EPOCHS`: a bound on what
 * one bad epoch number could make Redis allocate.
 */
const MAX_CURVE_RECORDS = 1_000_000;

function headerOf(baseEpoch: number): string {
  return MAGIC + String(Math.max(0, Math.floor(baseEpoch))).padStart(12, '0');
}

/** The point as its fixed-width record. */
export function encodeCurveRecord(point: StoredCurvePoint): Buffer {
  const record = Buffer.alloc(CURVE_RECORD_BYTES);
  let flags = PRESENT;
  if ('diverged' in point) {
    flags |= DIVERGED;
  } else {
    record.writeDoubleLE(point.loss, 8);
    for (const { name, flag, offset } of OPTIONAL_FIELDS) {
      const value = point[name];
      if (value === undefined) continue;
      flags |= flag;
      record.writeDoubleLE(value, offset);
    }
  }
  record.writeUInt32LE(flags, 0);
  record.writeUInt32LE(point.epoch >>> 0, 4);
  record.writeDoubleLE(point.elapsedMs, 40);
  return record;
}

/** The point of the record at `offset` of `bytes`, or `null` for a slot never written. */
export function decodeCurveRecord(bytes: Buffer, offset: number, epoch: number): StoredCurvePoint | null {
  const flags = bytes.readUInt32LE(offset);
  if ((flags & PRESENT) === 0) return null;
  const elapsedMs = bytes.readDoubleLE(offset + 40);
  if (flags & DIVERGED) return { epoch, diverged: true, elapsedMs };
  const point: Omit<CurvePoint, 'elapsedMs'> = { epoch, loss: bytes.readDoubleLE(offset + 8) };
  for (const field of OPTIONAL_FIELDS) {
    if ((flags & field.flag) !== 0) point[field.name] = bytes.readDoubleLE(offset + field.offset);
  }
  return { ...point, elapsedMs };
}

/** Where a page read starts and what it found: the curve's base epoch, the records, the curve's length in bytes. */
interface RecordRange {
  base: number;
  records: Buffer;
  total: number;
}

/** The decoded points of a page read starting after `since`, and its `next`. */
function toPage(range: RecordRange, since: number): CurvePage {
  const { base, records, total } = range;
  const firstEpoch = Math.max(since, base) + 1;
  const points: StoredCurvePoint[] = [];
  const count = Math.floor(records.length / CURVE_RECORD_BYTES);
  for (let i = 0; i < count; i++) {
    const point = decodeCurveRecord(records, i * CURVE_RECORD_BYTES, firstEpoch + i);
    if (point) points.push(point);
  }
  if (points.length > 0) return { points, next: points[points.length - 1].epoch };
  // A page of only unwritten slots with more curve after it: skip past them.
  const scannedTo = firstEpoch - 1 + count;
  const storedTo = base + Math.floor((total - HEADER_BYTES) / CURVE_RECORD_BYTES);
  return { points, next: count > 0 && storedTo > scannedTo ? scannedTo : since };
}

/** The metrics store on one connection (see {@link MetricsStore}). */
class CurveStore implements MetricsStore {
  private readonly keys: Keys;

  constructor(private readonly redis: Redis, private readonly config: MetricsStoreOptions['config']) {
    this.keys = createKeys(config.KEY_PREFIX);
  }

  async appendPoints(jobId: string, points: readonly StoredCurvePoint[]): Promise<void> {
    await this.withLegacyUpgrade(jobId, () => this.writePoints(jobId, points));
  }

  async readCurve(jobId: string, since = 0, limit = this.config.MAX_CURVE_POINTS): Promise<CurvePage> {
    const range = await this.withLegacyUpgrade(jobId, () => this.readRecords(jobId, since, limit));
    return range === null ? { points: [], next: since } : toPage(range, since);
  }

  async startCurve(jobId: string, firstEpoch: number): Promise<void> {
    await this.redis.set(this.keys.jobCurve(jobId), headerOf(firstEpoch), 'EX', this.config.JOB_TTL_SECONDS, 'NX');
  }

  async countPoints(jobId: string): Promise<number> {
    return (await this.readCurve(jobId, 0, Number.POSITIVE_INFINITY)).points.length;
  }

  async deleteCurve(jobId: string): Promise<void> {
    await this.redis.del(this.keys.jobCurve(jobId));
  }

  private async writePoints(jobId: string, points: readonly StoredCurvePoint[]): Promise<void> {
    if (points.length === 0) return;
    const args: (string | Buffer)[] = [headerOf(0), String(CURVE_RECORD_BYTES), String(this.config.JOB_TTL_SECONDS), String(MAX_CURVE_RECORDS)];
    for (const point of points) args.push(String(point.epoch), encodeCurveRecord(point));
    await runScript(this.redis, WRITE_CURVE, [this.keys.jobCurve(jobId)], args);
  }

  private async readRecords(jobId: string, since: number, limit: number): Promise<RecordRange | null> {
    // Bounded so the script only sees integers it can print exactly.
    const most = Math.max(0, Math.min(Math.floor(limit), 1e9));
    // Buffers back: the records are binary.
    const [header, records, total] = await runScript<[Buffer, Buffer, number]>(
      this.redis, READ_CURVE, [this.keys.jobCurve(jobId)], [String(Math.max(0, Math.floor(since))), String(CURVE_RECORD_BYTES), String(most)], 'buffers',
    );
    if (header.length < HEADER_BYTES) return null;
    return { base: Number(header.subarray(4, HEADER_BYTES).toString('latin1')), records, total };
  }

  /** Runs `action`, first upgrading a legacy curve when Redis says the key has the wrong type. */
  private async withLegacyUpgrade<T>(jobId: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (err) {
      if (!String((err as Error).message).includes('WRONGTYPE')) throw err;
      await this.upgradeLegacyCurve(jobId);
      return action();
    }
  }

  /**
   * Curves written before the binary layout were sorted sets (score = epoch, member = JSON): one
   * still there is rewritten in the new layout on its first read or write.
   */
  private async upgradeLegacyCurve(jobId: string): Promise<void> {
    const key = this.keys.jobCurve(jobId);
    if ((await this.redis.type(key)) !== 'zset') return;
    const members = await this.redis.zrange(key, '0', '-1');
    await this.redis.del(key);
    await this.writePoints(jobId, members.map((member) => JSON.parse(member) as StoredCurvePoint));
  }
}

/** Creates the metrics (loss curve) store. */
export function createMetricsStore(options: MetricsStoreOptions): MetricsStore {
  return new CurveStore(options.redis, options.config);
}

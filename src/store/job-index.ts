import type { Redis } from 'ioredis';
import type { JobStatus } from '../contract/job.js';
import { ValidationError } from '../errors.js';
import { parseJobRecord, type JobRecord } from './job-record.js';
import type { Keys } from './keys.js';
import { runScript } from './lua/script.js';
import { INDEX_JOB } from './lua/tenant-scripts.js';

/** One page of a tenant's jobs, newest first. */
export interface JobPage {
  items: JobRecord[];
  nextCursor: string | null;
}

/** Options of {@link JobIndex.list}. */
export interface ListOptions {
  /** Page size (the route caps it). */
  limit: number;
  status?: JobStatus;
  /** A `nextCursor` of an earlier page. */
  cursor?: string | null;
}

/**
 * A tenant's jobs in submission order (`…:t:{<tenant>}:jobs`, scored by a per-tenant sequence)
 * and the cursor pagination over them. Entries of jobs that expired or were deleted are pruned
 * lazily while listing.
 */
export interface JobIndex {
  /** Adds a job as the tenant's newest. @returns its sequence number. */
  add(tenant: string, id: string): Promise<number>;
  remove(tenant: string, id: string): Promise<void>;
  /** A page of the tenant's jobs, newest first. @throws ValidationError for a malformed cursor. */
  list(tenant: string, options: ListOptions): Promise<JobPage>;
}

/** Index entries one request scans at most when a status filter skips many jobs; then it hands back a cursor. */
const SCAN_BUDGET = 1000;

/** Cursor: the zset score (per-tenant sequence) of the last item returned, opaque to clients. */
export function encodeCursor(score: number): string {
  return Buffer.from(`s${score}`).toString('base64url');
}

/** The score a cursor stands for, or `null` when it is not one of ours. */
export function decodeCursor(cursor: string): number | null {
  const text = Buffer.from(cursor, 'base64url').toString();
  const match = /^s(\d{1,15})$/.exec(text);
  return match ? Number(match[1]) : null;
}

function startAfter(cursor: string | null | undefined): string {
  if (!cursor) return '+inf';
  const score = decodeCursor(cursor);
  if (score === null) throw new ValidationError('The cursor is not valid.', [{ path: '/querystring/cursor', message: 'must be a nextCursor from an earlier page' }]);
  return `(${score}`;
}

/** Creates the job index on `redis` (writes, pruning) and `reader` (reads). */
export function createJobIndex(options: { redis: Redis; reader: Redis; keys: Keys }): JobIndex {
  const { redis, reader, keys } = options;

  /** Reads one batch of entries below `max`; returns the matching records and where it stopped. */
  async function readBatch(tenant: string, max: string, batch: number, want: number, status?: JobStatus) {
    const entries = await reader.zrevrangebyscore(keys.tenantJobs(tenant), max, '-inf', 'WITHSCORES', 'LIMIT', 0, batch);
    const ids: string[] = [];
    for (let i = 0; i < entries.length; i += 2) ids.push(entries[i]);
    // One command per record, not a pipeline: ioredis still writes them back to back, and on
    // Redis Cluster the records live in different slots, which a pipeline may not span.
    const hashes = await Promise.all(ids.map((id) => reader.hgetall(keys.jobRecord(id))));
    const items: JobRecord[] = [];
    const vanished: string[] = [];
    let lastScore: number | null = null;
    for (let i = 0; i < ids.length && items.length < want; i++) {
      const record = parseJobRecord(hashes[i] ?? {});
      lastScore = Number(entries[2 * i + 1]);
      if (record === null) vanished.push(ids[i]);
      else if (status === undefined || record.status === status) items.push(record);
    }
    // Jobs that expired (TTL) or were deleted leave their index entry: prune lazily.
    if (vanished.length > 0) void redis.zrem(keys.tenantJobs(tenant), ...vanished).catch(() => undefined);
    return { items, lastScore, exhausted: ids.length < batch };
  }

  return {
    async add(tenant, id) {
      return runScript<number>(redis, INDEX_JOB, [keys.tenantSequence(tenant), keys.tenantJobs(tenant)], [id]);
    },

    async remove(tenant, id) {
      await redis.zrem(keys.tenantJobs(tenant), id);
    },

    async list(tenant, { limit, status, cursor }) {
      let max = startAfter(cursor);
      const items: JobRecord[] = [];
      let budget = SCAN_BUDGET;
      let lastScore: number | null = null;
      while (items.length < limit && budget > 0) {
        const batch = Math.min(budget, Math.max(limit * 2, 20));
        const read = await readBatch(tenant, max, batch, limit - items.length, status);
        items.push(...read.items);
        budget -= batch;
        lastScore = read.lastScore;
        if (lastScore === null || (read.exhausted && items.length < limit)) {
          lastScore = null;
          break;
        }
        max = `(${lastScore}`;
      }
      if (lastScore !== null) {
        const more = await reader.zrevrangebyscore(keys.tenantJobs(tenant), `(${lastScore}`, '-inf', 'LIMIT', 0, 1);
        if (more.length === 0) lastScore = null;
      }
      return { items, nextCursor: lastScore === null ? null : encodeCursor(lastScore) };
    },
  };
}

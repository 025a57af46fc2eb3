import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { createKeys } from './keys.js';
import { SAVE_CHECKPOINT } from './lua/job-scripts.js';
import { runScript } from './lua/script.js';

/** What is known about a checkpoint besides its bytes. */
export interface CheckpointMeta {
  /** Completed epochs at the snapshot. */
  epoch: number;
  /** Batches of the epoch in progress already applied (0 at an epoch boundary). */
  batch: number;
  /** Optimizer steps so far; checkpoints of a job only ever move forward in it. */
  step: number;
  /** Training time spent up to the snapshot, over all attempts. */
  elapsedMs: number;
  /** The engine kernel set that trained up to here; a resume uses the same one (bit-identical results). */
  kernel?: string;
  /**
   * Set on a fork's first checkpoint: a finished snapshot (the final state of a completed job,
   * or one taken as early stopping ended) trains on up to the fork's epochs. Without it a
   * finished snapshot stays finished, so a retried job ends exactly as it did.
   */
  continueFinished?: true;
  /** Length of the snapshot in bytes. */
  bytes: number;
  /** Hex SHA-256 of the snapshot, checked on every load. */
  sha256: string;
  /** When it was written (epoch milliseconds). */
  savedAt: number;
}

/** A loaded checkpoint. */
export interface Checkpoint {
  bytes: Uint8Array;
  meta: CheckpointMeta;
}

/** What a writer says about a snapshot; the store adds its length, checksum and time. */
export type CheckpointFacts = Omit<CheckpointMeta, 'bytes' | 'sha256' | 'savedAt'>;

/**
 * Binary checkpoints of jobs: while a job runs, the last two, in one hash with two slots (`a`,
 * `b`) and a `cur` pointer, so a torn or corrupt latest one still leaves the one before; once
 * it completed, its final snapshot alone (written by the completion, see job-records.ts), kept
 * as long as its result so a completed job can be forked.
 */
export interface CheckpointStore {
  /**
   * Saves a snapshot unless the job already has one at the same or a later optimizer step
   * (a stale writer never moves a job's checkpoint backwards). Returns `true` when written.
   */
  save(jobId: string, bytes: Uint8Array, meta: CheckpointFacts): Promise<boolean>;
  /** The newest checkpoint whose checksum holds, or `null`. */
  loadLatest(jobId: string): Promise<Checkpoint | null>;
  /** Metadata of the newest checkpoint without its bytes, or `null`. */
  latestMeta(jobId: string): Promise<CheckpointMeta | null>;
  /** Sets the expiry of a job's checkpoints (after it finished). */
  expire(jobId: string, ttlSeconds: number): Promise<void>;
  /** Removes a job's checkpoints. */
  delete(jobId: string): Promise<void>;
}

/** Options of {@link createCheckpointStore}: checkpoints expire `JOB_TTL_SECONDS` after their last write. */
export interface CheckpointStoreOptions {
  redis: Redis;
  config: Pick<Config, 'KEY_PREFIX' | 'JOB_TTL_SECONDS'>;
}

function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A snapshot's stored meta as JSON: `facts`' fields, with its length, checksum and the time now. */
export function checkpointMetaJson(bytes: Uint8Array, facts: CheckpointFacts): string {
  const { epoch, batch, step, elapsedMs, kernel, continueFinished } = facts;
  const meta: CheckpointMeta = {
    epoch, batch, step, elapsedMs, ...(kernel ? { kernel } : {}), ...(continueFinished ? { continueFinished } : {}),
    bytes: bytes.byteLength, sha256: sha256Of(bytes), savedAt: Date.now(),
  };
  return JSON.stringify(meta);
}

/** Creates the checkpoint store. */
export function createCheckpointStore(options: CheckpointStoreOptions): CheckpointStore {
  const { redis, config } = options;
  const keys = createKeys(config.KEY_PREFIX);
  const ttlSeconds = config.JOB_TTL_SECONDS;

  async function readSlot(key: string, slot: string): Promise<Checkpoint | null> {
    const [bytes, metaJson] = await Promise.all([redis.hgetBuffer(key, slot), redis.hget(key, `${slot}Meta`)]);
    if (!bytes || !metaJson) return null;
    const meta = JSON.parse(metaJson) as CheckpointMeta;
    if (bytes.length !== meta.bytes || sha256Of(bytes) !== meta.sha256) return null;
    // A private copy: ioredis may hand out a slice of a shared buffer.
    return { bytes: new Uint8Array(bytes), meta };
  }

  return {
    async save(jobId, bytes, facts) {
      const payload = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const args = [payload, checkpointMetaJson(bytes, facts), String(facts.step), String(ttlSeconds)];
      return (await runScript<number>(redis, SAVE_CHECKPOINT, [keys.jobCheckpoint(jobId)], args)) === 1;
    },

    async loadLatest(jobId) {
      const key = keys.jobCheckpoint(jobId);
      const cur = await redis.hget(key, 'cur');
      if (!cur) return null;
      const latest = await readSlot(key, cur);
      if (latest) return latest;
      // The newest one is damaged: fall back to the one before it.
      return readSlot(key, cur === 'a' ? 'b' : 'a');
    },

    async latestMeta(jobId) {
      const key = keys.jobCheckpoint(jobId);
      const cur = await redis.hget(key, 'cur');
      if (!cur) return null;
      const json = await redis.hget(key, `${cur}Meta`);
      return json ? (JSON.parse(json) as CheckpointMeta) : null;
    },

    async expire(jobId, seconds) {
      await redis.expire(keys.jobCheckpoint(jobId), seconds);
    },

    async delete(jobId) {
      await redis.del(keys.jobCheckpoint(jobId));
    },
  };
}

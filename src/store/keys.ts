import type { Config } from '../config.js';

/** A job's keys, each `<prefix>:job:{<jobId>}:<part>`, by name and part. */
const JOB_KEY_PARTS = {
  jobRecord: 'rec',
  jobSpec: 'spec',
  jobData: 'data',
  jobInitialWeights: 'init',
  jobCurve: 'curve',
  jobResult: 'result',
  jobCheckpoint: 'ckpt',
} as const;

/** A tenant's keys that take only the tenant, each `<prefix>:t:{<tenant>}:<part>`, by name and part. */
const TENANT_KEY_PARTS = {
  tenantJobs: 'jobs',
  tenantSequence: 'seq',
  tenantActive: 'active',
  /** Slots reserved for jobs being created: job id → reservation time (ms). */
  tenantPending: 'pending',
  tenantRunning: 'running',
  tenantDatasets: 'datasets',
  /**
   * A tenant's uploaded datasets, newest first: a lex-ordered zset of
   * `<createdAt ms, 15 digits>:<id>` members (score 0).
   */
  tenantDatasetIndex: 'datasets-by-time',
  /** The tenant's stored artifacts by expiry time (the storage quota's ledger). */
  tenantStorageExpiry: 'store:exp',
  /** The tenant's stored artifacts' sizes and their `total`. */
  tenantStorageBytes: 'store:bytes',
} as const;

/** One key function per part: the key of that part for an owner (a job id, a tenant). */
type KeyFunctions<Parts> = { readonly [Name in keyof Parts]: (owner: string) => string };

/**
 * Every Redis key trainyard uses, built in this one module.
 *
 * Layout (prefix `ty` by default, `KEY_PREFIX`):
 * - `ty:job:{<jobId>}:rec`    hash   the job record (status, progress, error…)
 * - `ty:job:{<jobId>}:spec`   string the normalised JobSpec as JSON (no data, no weights)
 * - `ty:job:{<jobId>}:data`   hash   an inline dataset: meta fields + binary `inputs`/`targets`
 * - `ty:job:{<jobId>}:init`   string initial weights (float64 LE encoding, contract/weights.ts)
 * - `ty:job:{<jobId>}:curve`  (metrics store) the loss curve
 * - `ty:job:{<jobId>}:result` hash   `weights` (binary), `metrics` (JSON), `kernel`
 * - `ty:job:{<jobId>}:ckpt`   (checkpoint store) the last checkpoints
 * - `ty:ds:{<datasetId>}`     hash   an uploaded dataset's metadata (samples, sizes, dtypes, tenant)
 * - `ty:ds:{<datasetId>}:x` / `:y` string its inputs / targets, little-endian float32 or float64
 * - `ty:t:{<tenant>}:jobs`    zset   the tenant's jobs, score = per-tenant sequence (newest highest)
 * - `ty:t:{<tenant>}:seq`     string that sequence
 * - `ty:t:{<tenant>}:active`  set    the tenant's queued + running job ids (quota)
 * - `ty:t:{<tenant>}:running` zset   job ids holding one of the tenant's running slots, score = lease expiry ms
 * - `ty:t:{<tenant>}:datasets` set   the tenant's dataset ids
 * - `ty:t:{<tenant>}:datasets-by-time` zset the same, lex-ordered `<createdAt ms>:<id>` (listing)
 * - `ty:t:{<tenant>}:idem:<sha256>` string an Idempotency-Key reservation (24 h)
 * - `ty:t:{<tenant>}:cpu:<YYYY-MM-DD>` string training seconds used on that UTC day (float; TTL 2 days)
 * - `ty:t:{<tenant>}:store:exp`   zset  the tenant's stored artifacts (`ds:<id>`, `job:<id>`), score = expiry ms (`+inf`: kept)
 * - `ty:t:{<tenant>}:store:bytes` hash  artifact → bytes, plus `total` (their sum)
 * - channel `ty:cancel`        pub/sub: a job id whose cancel was requested, or `pause:<jobId>` (a pause request)
 * - BullMQ keys under the prefix `{ty}` (a hash tag: one slot for the whole queue).
 *
 * Why hash tags: all keys of one job share `{<jobId>}` and all keys of one tenant share
 * `{<tenant>}`, so the multi-key Lua scripts and transactions of the stores touch one slot and
 * the same code runs on Redis Cluster. No script mixes job and tenant keys.
 */
export interface Keys extends KeyFunctions<typeof JOB_KEY_PARTS>, KeyFunctions<typeof TENANT_KEY_PARTS> {
  readonly prefix: string;
  /** BullMQ's `prefix` option: the key prefix in braces, a Redis Cluster hash tag. */
  readonly bullPrefix: string;
  /** Pub/sub channel of cancel and pause requests: a job id (cancel) or `pause:<jobId>`. */
  readonly cancelChannel: string;
  /** Hash: final status (`completed`, `failed`, `cancelled`) → jobs that reached it (Prometheus). */
  readonly jobsFinished: string;
  /** `ty:stats:throughput` string: the last worker calibration (JSON `Throughput`), read by dry runs. */
  readonly throughput: string;
  /** Every key of a job, for expiry and deletion. */
  jobKeys(jobId: string): string[];
  dataset(datasetId: string): string;
  datasetInputs(datasetId: string): string;
  datasetTargets(datasetId: string): string;
  tenantIdempotency(tenant: string, keyDigest: string): string;
  /** Training seconds the tenant used on one UTC day (`day` as `YYYY-MM-DD`). */
  tenantComputeDay(tenant: string, day: string): string;
}

/** The key function of each part of `parts`, built with `key`. */
function createKeyFunctions<Parts extends Record<string, string>>(parts: Parts, key: (owner: string, part: string) => string): KeyFunctions<Parts> {
  return Object.fromEntries(Object.entries(parts).map(([name, part]) => [name, (owner: string) => key(owner, part)])) as KeyFunctions<Parts>;
}

/**
 * Builds the key functions for a prefix.
 * @param prefix `config.KEY_PREFIX` (tests use a unique one per file).
 */
export function createKeys(prefix: Config['KEY_PREFIX']): Keys {
  const job = (jobId: string, part: string): string => `${prefix}:job:{${jobId}}:${part}`;
  const tenantKey = (tenant: string, part: string): string => `${prefix}:t:{${tenant}}:${part}`;
  const keys: Keys = {
    prefix,
    bullPrefix: `{${prefix}}`,
    cancelChannel: `${prefix}:cancel`,
    jobsFinished: `${prefix}:stats:finished`,
    throughput: `${prefix}:stats:throughput`,
    ...createKeyFunctions(JOB_KEY_PARTS, job),
    jobKeys: (id) => Object.values(JOB_KEY_PARTS).map((part) => job(id, part)),
    dataset: (id) => `${prefix}:ds:{${id}}`,
    datasetInputs: (id) => `${prefix}:ds:{${id}}:x`,
    datasetTargets: (id) => `${prefix}:ds:{${id}}:y`,
    ...createKeyFunctions(TENANT_KEY_PARTS, tenantKey),
    tenantIdempotency: (tenant, digest) => tenantKey(tenant, `idem:${digest}`),
    tenantComputeDay: (tenant, day) => tenantKey(tenant, `cpu:${day}`),
  };
  return Object.freeze(keys);
}

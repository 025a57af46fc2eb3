import { cpus } from 'node:os';
import { DEFAULT_LIMITS, type JobLimits } from './contract/limits.js';
import { ConfigError } from './errors.js';

type Kind = 'string' | 'int' | 'number' | 'bool';

interface VariableSpec<K extends Kind = Kind> {
  kind: K;
  /** The default, or `undefined` when the variable is optional with no default. */
  fallback: (K extends 'string' ? string : K extends 'bool' ? boolean : number) | undefined;
  /**
   * The default when authentication is on (`TRAINYARD_API_KEYS` or `TRAINYARD_API_KEYS_FILE`
   * set), when it differs from `fallback` (the default with auth off). Per-tenant limits use it:
   * a self-hosted install with one tenant has none of them, a shared one has all.
   */
  authFallback?: number;
  min?: number;
  max?: number;
  doc: string;
}

const MIB = 1024 * 1024;

/** What each job limit bounds; its default is the contract's (`DEFAULT_LIMITS`, their one owner). */
const JOB_LIMIT_DOCS = {
  MAX_LAYERS: 'dense layers per model',
  MAX_UNITS: 'units per layer',
  MAX_INPUT_SIZE: 'input features',
  MAX_OUTPUT_SIZE: 'output units',
  MAX_PARAMETERS: 'Σ in×out + out over the layers',
  MAX_SAMPLES: 'rows of a dataset',
  MAX_DATASET_NUMBERS: 'samples × (inputs + outputs) of a dataset',
  MAX_EPOCHS: 'epochs per job',
  MAX_BATCH_SIZE: 'batch size',
  MAX_WORK: 'compute budget: parameters × samples × epochs',
  MAX_MEMORY_BYTES: 'admission estimate of a job’s typed-array bytes',
  MAX_WEIGHTS_BYTES: 'largest trained-weights artifact',
} as const satisfies Record<keyof JobLimits, string>;

/** A job limit's variable: at least 1, an integer but for `MAX_WORK` (a product: parameters × samples × epochs). */
interface JobLimitVariable {
  kind: 'int' | 'number';
  fallback: number;
  min: 1;
  doc: string;
}

/** The variables of the job limits, one per field of {@link JobLimits}. */
function createJobLimitVariables(): Record<keyof JobLimits, JobLimitVariable> {
  const names = Object.keys(JOB_LIMIT_DOCS) as (keyof JobLimits)[];
  return Object.fromEntries(names.map((name) => [name, {
    kind: name === 'MAX_WORK' ? 'number' : 'int',
    fallback: DEFAULT_LIMITS[name],
    min: 1,
    doc: JOB_LIMIT_DOCS[name],
  }])) as Record<keyof JobLimits, JobLimitVariable>;
}

/**
 * Every environment variable trainyard reads: name, type, default and meaning.
 * `.env.example` and the README's configuration table follow this table.
 */
export const VARIABLES = {
  HOST: { kind: 'string', fallback: '127.0.0.1', doc: 'API listen address' },
  PORT: { kind: 'int', fallback: 3000, min: 0, max: 65535, doc: 'API listen port (0 picks a free one)' },
  REDIS_URL: { kind: 'string', fallback: undefined, doc: 'Redis to use; unset with `npm start` starts a private redis-server' },
  REDIS_CLUSTER_NODES: { kind: 'string', fallback: undefined, doc: '`host:port,…` seed nodes of a Redis Cluster, used instead of `REDIS_URL` by every role (`npm start` then starts no private Redis)' },
  REDIS_WAIT_REPLICAS: { kind: 'int', fallback: 0, min: 0, max: 16, doc: 'replicas that must confirm (`WAIT`) each acknowledged write (submit 202, upload 201, completion); 0: none' },
  REDIS_WAIT_TIMEOUT_MS: { kind: 'int', fallback: 1000, min: 1, doc: 'how long an acknowledged write waits for those confirmations before the API answers 503' },
  DATA_DIR: { kind: 'string', fallback: './data', doc: 'where `npm start` keeps its private Redis data (AOF)' },
  REDIS_SERVER_BIN: { kind: 'string', fallback: 'redis-server', doc: 'redis-server executable used by `npm start`' },
  KEY_PREFIX: { kind: 'string', fallback: 'ty', doc: 'prefix of every trainyard Redis key (and of BullMQ keys)' },
  QUEUE_NAME: { kind: 'string', fallback: 'training', doc: 'BullMQ queue name' },
  LOG_LEVEL: { kind: 'string', fallback: 'info', doc: 'pino level: fatal, error, warn, info, debug, trace, silent' },
  LOG_PRETTY: { kind: 'bool', fallback: false, doc: 'human-readable logs instead of JSON lines' },
  TRAINYARD_API_KEYS: { kind: 'string', fallback: undefined, doc: '`tenant:key,tenant:key`; unset turns auth off (one tenant, `default`)' },
  TRAINYARD_API_KEYS_FILE: { kind: 'string', fallback: undefined, doc: 'file of `tenant:key` lines, re-read every 10 s (revoke by removing a line); turns auth on' },
  TRAINYARD_ADMIN_KEY: { kind: 'string', fallback: undefined, doc: 'key for `/admin/queues`; unset disables it' },
  WORKER_CONCURRENCY: { kind: 'int', fallback: cpus().length || 1, min: 1, max: 256, doc: 'training threads per worker process' },
  MAX_THREADS_PER_JOB: { kind: 'int', fallback: 0, min: 0, max: 256, doc: 'threads one job may train on, its training thread included: its fair share of the worker’s cores (all of them for a job alone, split between jobs started together, at least one), at most this; 0: no cap beyond the fair share; 1: one thread a job (better on a machine shared with other busy processes)' },
  INFERENCE_THREADS: { kind: 'int', fallback: 1, min: 1, max: 64, doc: 'threads of the API inference pool for /predict' },
  JOB_TTL_SECONDS: { kind: 'int', fallback: 7 * 24 * 3600, min: 60, doc: 'finished jobs and their artifacts expire after this long' },
  CHECKPOINT_INTERVAL_MS: { kind: 'int', fallback: 5_000, min: 0, doc: 'minimum time between checkpoints of a running job (0: every epoch)' },
  METRICS_FLUSH_INTERVAL_MS: { kind: 'int', fallback: 250, min: 10, doc: 'how often a running job writes its new curve points to Redis' },
  LOCK_DURATION_MS: { kind: 'int', fallback: 30_000, min: 500, doc: 'BullMQ job lock duration' },
  STALLED_INTERVAL_MS: { kind: 'int', fallback: 30_000, min: 100, doc: 'BullMQ stalled-job check interval' },
  MAX_STALLED_COUNT: { kind: 'int', fallback: 3, min: 0, doc: 'times a job may stall (worker death) before it fails' },
  JOB_ATTEMPTS: { kind: 'int', fallback: 3, min: 1, max: 100, doc: 'attempts per job for retryable failures' },
  JOB_BACKOFF_MS: { kind: 'int', fallback: 5_000, min: 0, doc: 'first retry delay (exponential, with jitter)' },
  MAX_JOB_SECONDS: { kind: 'number', fallback: 900, min: 0.1, doc: 'wall-clock limit per job attempt → error `timeout`' },
  CANCEL_GRACE_MS: { kind: 'int', fallback: 2_000, min: 0, doc: 'after a cancel, terminate a thread that has not stopped by then' },
  SHUTDOWN_GRACE_MS: { kind: 'int', fallback: 10_000, min: 0, doc: 'time a process gets to finish or hand back work on SIGTERM' },
  THREAD_MAX_OLD_GEN_MB: { kind: 'int', fallback: 256, min: 16, doc: 'resourceLimits.maxOldGenerationSizeMb of a training thread' },
  THREAD_MAX_YOUNG_GEN_MB: { kind: 'int', fallback: 32, min: 1, doc: 'resourceLimits.maxYoungGenerationSizeMb of a training thread' },
  THREAD_STACK_MB: { kind: 'int', fallback: 4, min: 1, doc: 'resourceLimits.stackSizeMb of a training thread' },
  ENGINE_KERNELS: { kind: 'string', fallback: 'auto', doc: 'engine kernels: auto (wasm-simd, else ts), wasm-simd, wasm-relaxed-simd (FMA; CPU-dependent rounding), ts' },
  REQUEST_TIMEOUT_MS: { kind: 'int', fallback: 30_000, min: 1, doc: 'Fastify requestTimeout (never 0)' },
  HANDLER_TIMEOUT_MS: { kind: 'int', fallback: 10_000, min: 1, doc: 'a request still unanswered after this gets 503' },
  REDIS_COMMAND_TIMEOUT_MS: { kind: 'int', fallback: 2_000, min: 100, doc: 'API Redis command timeout (answers 503 beyond it)' },
  BODY_LIMIT_BYTES: { kind: 'int', fallback: 64 * 1024, min: 1024, doc: 'request body limit of every route but submit, predict and dataset upload (below)' },
  JOB_BODY_LIMIT_BYTES: { kind: 'int', fallback: 4 * MIB, min: 1024, doc: 'body limit of POST /v1/jobs (spec + inline data) and of POST /v1/jobs/{id}/predict' },
  DATASET_BODY_LIMIT_BYTES: { kind: 'int', fallback: 256 * MIB, min: 1024, doc: 'body limit of POST /v1/datasets' },
  ...createJobLimitVariables(),
  MAX_CURVE_POINTS: { kind: 'int', fallback: 1000, min: 10, doc: 'points per page of a curve read (storage keeps one point per epoch)' },
  PREDICT_MAX_ROWS: { kind: 'int', fallback: 10_000, min: 1, doc: 'rows of one POST /v1/jobs/{id}/predict request' },
  TENANT_MAX_RUNNING: { kind: 'int', fallback: 0, authFallback: 4, min: 0, doc: 'running jobs per tenant (0: no cap)' },
  TENANT_MAX_QUEUED: { kind: 'int', fallback: 0, authFallback: 1000, min: 0, doc: 'queued + running jobs per tenant; more answer 429 (0: no cap)' },
  TENANT_SUBMITS_PER_MINUTE: { kind: 'int', fallback: 0, authFallback: 600, min: 0, doc: 'POST /v1/jobs per tenant per minute (0: no limit)' },
  TENANT_REQUESTS_PER_MINUTE: { kind: 'int', fallback: 0, authFallback: 6000, min: 0, doc: 'all /v1 requests per tenant per minute (0: no limit)' },
  TENANT_COMPUTE_SECONDS_PER_DAY: { kind: 'number', fallback: 0, authFallback: 24 * 3600, min: 0, doc: 'training seconds (thread wall-clock) per tenant per UTC day; at the budget, submits get 429 until midnight UTC (0: unlimited)' },
  TENANT_MAX_STORED_BYTES: { kind: 'int', fallback: 1024 * MIB, min: 0, doc: 'stored bytes per tenant: datasets, inline job data, initial and trained weights (0: unlimited)' },
  MAX_EVENT_LOOP_DELAY_MS: { kind: 'int', fallback: 1_000, min: 0, doc: 'API answers 503 while its event-loop delay exceeds this (0: off)' },
  RATE_LIMIT_ENABLED: { kind: 'bool', fallback: true, doc: 'rate limits on /v1 (turn off only for benchmarks)' },
  STALLED_HEARTBEAT_MS: { kind: 'int', fallback: 60_000, min: 1, doc: 'a running job with no heartbeat for this long shows `stalled: true`' },
  METRICS_PORT: { kind: 'int', fallback: 0, min: 0, max: 65535, doc: 'port of the worker\'s own /metrics (`npm run worker`, `npm start`; 0: off)' },
  WEBHOOK_ALLOW_PRIVATE: { kind: 'bool', fallback: false, doc: 'webhook URLs may be http:// and reach loopback, private and link-local addresses (development only)' },
  WEBHOOK_TIMEOUT_MS: { kind: 'int', fallback: 5_000, min: 100, doc: 'a webhook delivery attempt not answered by then fails and is retried' },
  WEBHOOK_BACKOFF_MS: { kind: 'int', fallback: 5_000, min: 1, doc: 'first webhook retry delay (doubling, with jitter, at most 1 h)' },
  WEBHOOK_RETRY_SECONDS: { kind: 'int', fallback: 86_400, min: 1, doc: 'a webhook delivery is retried for this long after its event' },
  WEBHOOK_CONCURRENCY: { kind: 'int', fallback: 16, min: 1, max: 1000, doc: 'webhook deliveries in flight per worker process' },
  ENABLE_TEST_HOOKS: { kind: 'bool', fallback: false, doc: 'test-only fault injection (never in production)' },
} as const satisfies Record<string, VariableSpec>;

type Variables = typeof VARIABLES;
type ValueOf<S> = S extends { kind: 'string' } ? string : S extends { kind: 'bool' } ? boolean : number;
type Fallback<S> = S extends { fallback: undefined } ? undefined : never;

/** The parsed configuration: one field per variable of {@link VARIABLES}, named as the variable. */
export type RawConfig = { -readonly [K in keyof Variables]: ValueOf<Variables[K]> | Fallback<Variables[K]> };

/** One tenant and its API key (from `TRAINYARD_API_KEYS`). */
export interface TenantKey {
  tenant: string;
  key: string;
}

/** The frozen configuration every entry point passes down. */
export interface Config extends Readonly<RawConfig> {
  /** Parsed `TRAINYARD_API_KEYS` (the keys file's entries are read by the auth plugin). */
  readonly apiKeys: readonly TenantKey[];
  /**
   * `true` when `TRAINYARD_API_KEYS` or `TRAINYARD_API_KEYS_FILE` is set: every `/v1` request
   * needs a key, and the per-tenant limits take their `authFallback` defaults. The one owner
   * of this rule: the auth plugin and the dashboard read it from here.
   */
  readonly authEnabled: boolean;
}

function parseValue(name: string, spec: VariableSpec, raw: string, problems: string[]): unknown {
  if (spec.kind === 'string') return raw;
  if (spec.kind === 'bool') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    problems.push(`${name} must be true or false, got "${raw}"`);
    return undefined;
  }
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || (spec.kind === 'int' && !Number.isInteger(value))) {
    problems.push(`${name} must be ${spec.kind === 'int' ? 'an integer' : 'a number'}, got "${raw}"`);
    return undefined;
  }
  if (spec.min !== undefined && value < spec.min) problems.push(`${name} must be ≥ ${spec.min}, got ${value}`);
  if (spec.max !== undefined && value > spec.max) problems.push(`${name} must be ≤ ${spec.max}, got ${value}`);
  return value;
}

const TENANT_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Parses `tenant:key` entries separated by commas or newlines: the one parser of
 * `TRAINYARD_API_KEYS` and of the keys file (`TRAINYARD_API_KEYS_FILE`, where `#` starts a
 * comment). A tenant is `[A-Za-z0-9_.-]{1,64}`, a key at least 8 characters. Problems name the
 * entry by number and never echo key material.
 * @param source the variable named in problems; with `TRAINYARD_API_KEYS_FILE`, `#` comments are dropped.
 */
export function parseTenantKeys(text: string, source: 'TRAINYARD_API_KEYS' | 'TRAINYARD_API_KEYS_FILE'): { entries: TenantKey[]; problems: string[] } {
  const entries: TenantKey[] = [];
  const problems: string[] = [];
  const lines = text.split('\n').map((line) => (source === 'TRAINYARD_API_KEYS_FILE' ? line.replace(/#.*$/, '') : line));
  const items = lines.join(',').split(',').map((item) => item.trim()).filter(Boolean);
  for (const [index, item] of items.entries()) {
    const colon = item.indexOf(':');
    const tenant = item.slice(0, colon).trim();
    const key = item.slice(colon + 1).trim();
    if (colon < 1 || !TENANT_PATTERN.test(tenant)) {
      problems.push(`${source} entry ${index + 1} must be tenant:key with a tenant of [A-Za-z0-9_.-]{1,64}`);
    } else if (key.length < 8) {
      problems.push(`${source} entry ${index + 1} (tenant ${tenant}) has a key shorter than 8 characters`);
    } else {
      entries.push({ tenant, key });
    }
  }
  return { entries, problems };
}

/** `true` when requests must carry an API key: `TRAINYARD_API_KEYS` or `TRAINYARD_API_KEYS_FILE` is set. */
function isAuthConfigured(env: Record<string, string | undefined>): boolean {
  return Boolean(env.TRAINYARD_API_KEYS?.trim()) || Boolean(env.TRAINYARD_API_KEYS_FILE);
}

function checkChoices(values: Record<string, unknown>, problems: string[]): void {
  if (!/^[A-Za-z0-9_:{}.-]{1,32}$/.test(String(values.KEY_PREFIX))) problems.push('KEY_PREFIX must match [A-Za-z0-9_:{}.-]{1,32}');
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(String(values.QUEUE_NAME))) problems.push('QUEUE_NAME must match [A-Za-z0-9_.-]{1,64}');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(String(values.LOG_LEVEL))) {
    problems.push(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "${String(values.LOG_LEVEL)}"`);
  }
  if (!['auto', 'wasm-relaxed-simd', 'wasm-simd', 'ts'].includes(String(values.ENGINE_KERNELS))) {
    problems.push(`ENGINE_KERNELS must be auto, wasm-relaxed-simd, wasm-simd or ts, got "${String(values.ENGINE_KERNELS)}"`);
  }
}

/**
 * Reads trainyard's configuration from environment variables (the only reader of
 * `process.env`), applying the defaults of {@link VARIABLES} (`authFallback` when auth is on).
 * @throws ConfigError naming every bad variable and what it expected.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  const authEnabled = isAuthConfigured(env);
  for (const [name, spec] of Object.entries(VARIABLES) as [string, VariableSpec][]) {
    const raw = env[name];
    const fallback = authEnabled && spec.authFallback !== undefined ? spec.authFallback : spec.fallback;
    values[name] = raw === undefined || raw === '' ? fallback : parseValue(name, spec, raw, problems);
  }
  checkChoices(values, problems);
  const { entries: apiKeys, problems: keyProblems } = parseTenantKeys(env.TRAINYARD_API_KEYS ?? '', 'TRAINYARD_API_KEYS');
  problems.push(...keyProblems);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    ...(values as RawConfig),
    apiKeys: Object.freeze(apiKeys),
    authEnabled,
  });
}

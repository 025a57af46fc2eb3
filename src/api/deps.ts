import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { InferencePool } from '../inference/inference-pool.js';
import type { TrainingQueue } from '../queue/training-queue.js';
import type { DatasetStore } from '../store/dataset-store.js';
import type { JobStore } from '../store/job-store.js';
import type { MetricsStore } from '../store/metrics-store.js';
import type { TenantUsage } from '../store/tenant-usage.js';
import type { ThroughputStore } from '../store/throughput-store.js';
import type { JobEvents } from '../webhooks/job-events.js';
import type { Authenticate } from './plugins/auth.js';

/** Everything the routes use, built once by `buildApp`. */
export interface ApiDeps {
  config: Config;
  log: Logger;
  /** The API's fail-fast producer connection. */
  redis: Redis;
  jobStore: JobStore;
  datasetStore: DatasetStore;
  metricsStore: MetricsStore;
  /** Per-tenant compute and storage usage (quotas). */
  tenantUsage: TenantUsage;
  trainingQueue: TrainingQueue;
  /** The workers' measured training speed (dry-run estimates). */
  throughputStore: ThroughputStore;
  inference: InferencePool;
  /** The `/v1` auth hook (sets `request.tenant`). */
  authenticate: Authenticate;
  /** Where status changes made by the API (a cancel) are reported, for webhooks. */
  events?: JobEvents;
}

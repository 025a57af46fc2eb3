import { randomUUID } from 'node:crypto';
import type { JobSpec, OptimizerSpec } from '../contract/job.js';
import { resolveOptimizer } from '../contract/check-job.js';
import { ConflictError, JobFailedError } from '../errors.js';
import type { CheckpointStore } from '../store/checkpoint-store.js';
import { queuedCapError, type JobControl } from '../store/job-control.js';
import type { JobRecord } from '../store/job-store.js';
import { jobArtifact } from '../store/tenant-usage.js';
import type { ApiDeps } from './deps.js';

/** The body of POST /v1/jobs/{id}/fork. */
export interface ForkRequest {
  /**
   * Epochs to train after the fork point, at least 1 (a fork always trains).
   * @defaultValue the source's remaining epochs, or as many as the source trained when none
   *   remain (a completed job that ran all its epochs)
   */
  epochs?: number;
  /** Optimizer fields to change (the optimizer type stays the source's). */
  optimizer?: { learningRate?: number; beta1?: number; beta2?: number; epsilon?: number; weightDecay?: number; momentum?: number };
  /** @defaultValue the source's name with " (fork)" */
  name?: string;
}

/** The stores a fork uses besides the API's. */
export interface ForkStores {
  control: JobControl;
  checkpoints: CheckpointStore;
}

function mergeOptimizer(source: OptimizerSpec, changes: ForkRequest['optimizer'] = {}): OptimizerSpec {
  return source.type === 'adam' ? resolveOptimizer('adam', changes, source) : resolveOptimizer('sgd', changes, source);
}

/** The fork's spec: the source's, continued from epoch `fromEpoch` with the request's changes. */
export function forkSpec(source: JobSpec, forkId: string, fromEpoch: number, request: ForkRequest, sourceName: string): JobSpec {
  const remaining = source.training.epochs - fromEpoch;
  const more = request.epochs ?? (remaining > 0 ? remaining : source.training.epochs);
  const name = request.name ?? `${sourceName || 'job'} (fork)`.slice(0, 200);
  return {
    ...source,
    name,
    // The checkpoint carries the weights: no warm start of its own.
    model: { ...source.model, hasInitialWeights: false },
    optimizer: mergeOptimizer(source.optimizer, request.optimizer),
    training: { ...source.training, epochs: fromEpoch + more },
    data: source.data.kind === 'inline' ? { kind: 'inline', jobId: forkId } : source.data,
  };
}

/**
 * Creates a job that starts from another job's latest checkpoint (running, paused or cancelled)
 * or final state (completed, also after early stopping): its weights and optimizer state,
 * continued with `request`'s changes. The source is not touched (it is only read). The fork's
 * curve starts after the fork epoch; a finished starting point trains on (see
 * `CheckpointMeta.continueFinished`).
 * @throws ConflictError when the source has no checkpoint (yet, or a completed job's final state
 *   was not kept); JobFailedError for a failed source without one; QuotaExceededError at the
 *   tenant's queued cap.
 */
export async function forkJob(deps: ApiDeps, stores: ForkStores, source: JobRecord, request: ForkRequest): Promise<JobRecord> {
  const { config, jobStore, metricsStore, trainingQueue, tenantUsage } = deps;
  const [spec, checkpoint] = await Promise.all([jobStore.getSpec(source.id), stores.checkpoints.loadLatest(source.id)]);
  if (!spec || !checkpoint) {
    if (source.status === 'failed') throw new JobFailedError('The job failed without a checkpoint to fork from.');
    if (source.status === 'completed') throw new ConflictError('The job completed before final states were kept for forks; it cannot be forked.');
    throw new ConflictError(`The job has no checkpoint to fork from${source.status === 'queued' ? ' yet (it has not started)' : ''}.`);
  }
  const id = randomUUID();
  const fromEpoch = checkpoint.meta.epoch;
  const tenant = source.tenant;
  if (!(await jobStore.reserveActiveSlot(tenant, id, config.TENANT_MAX_QUEUED))) throw queuedCapError(config.TENANT_MAX_QUEUED);
  let record: JobRecord;
  try {
    record = await jobStore.createJob({ id, tenant, spec: forkSpec(spec, id, fromEpoch, request, source.name), createdAt: new Date().toISOString() });
  } catch (error) {
    void jobStore.releaseActiveSlot(tenant, id).catch(() => undefined);
    throw error;
  }
  try {
    if (spec.data.kind === 'inline' && !(await stores.control.copyInlineData(source.id, id))) {
      throw new ConflictError('The job’s data is gone; it cannot be forked.');
    }
    const { epoch, batch, step, kernel } = checkpoint.meta;
    // The fork's own clock (its time limit and curve times) starts at zero; a finished snapshot
    // (a completed source's final state) trains on to the fork's epochs.
    await stores.checkpoints.save(id, checkpoint.bytes, { epoch, batch, step, elapsedMs: 0, ...(kernel ? { kernel } : {}), continueFinished: true });
    await metricsStore.startCurve(id, fromEpoch);
    await stores.control.setForkOrigin(id, { jobId: source.id, epoch: fromEpoch });
    await tenantUsage.confirmStorage(tenant, jobArtifact(id));
    await trainingQueue.enqueueTrainingJob({ jobId: id, tenant });
  } catch (error) {
    void jobStore.deleteJob(id).catch(() => undefined);
    throw error;
  }
  return record;
}

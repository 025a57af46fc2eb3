import { createHash, randomInt, randomUUID } from 'node:crypto';
import { checkDataSource, checkJobSubmission, inlineDataShape, normalizeJobSubmission, type DataShape } from '../contract/check-job.js';
import type { DataRef, JobSpec, LayerWeights } from '../contract/job.js';
import type { JobSubmission } from '../contract/job-schema.js';
import { decodeWeights } from '../contract/weights.js';
import { ConflictError, JobFailedError, JobNotFinishedError, QuotaExceededError, ValidationError } from '../errors.js';
import { confirmWrites } from '../queue/connection.js';
import { BUILTIN_SHAPES } from '../store/builtin-datasets.js';
import { jobStorageBytes, type InlineRows, type JobRecord, type JobStore } from '../store/job-store.js';
import { createKeys } from '../store/keys.js';
import { jobArtifact, msUntilUtcMidnight, reserveStorageWithinQuota } from '../store/tenant-usage.js';
import { checkJobWebhook, withJobWebhook } from '../webhooks/job-webhook.js';
import type { ApiDeps } from './deps.js';

/** How long an Idempotency-Key is remembered (24 h). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

/** Outcome of a submit: the job, and whether this call created it (false: idempotent replay). */
export interface SubmitOutcome {
  record: JobRecord;
  created: boolean;
}

/** Where a job's data comes from, its shape, and its rows when they came inline. */
interface ResolvedData {
  data: DataRef;
  shape: DataShape;
  inlineData: InlineRows | null;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Resolves `body.data` (exactly one of inline rows, an uploaded dataset, a builtin) to its
 * reference and shape.
 * @throws ValidationError (400) for a bad source, NotFoundError (404) for an unknown dataset.
 */
async function resolveData(deps: ApiDeps, tenant: string, id: string, body: JobSubmission): Promise<ResolvedData> {
  const { source, problems } = checkDataSource(body.data);
  if (source === null || problems.length > 0) throw new ValidationError('The request is invalid; see errors.', problems);
  if (source === 'inline') {
    const inlineData = { inputs: body.data.inputs!, targets: body.data.targets! };
    return { data: { kind: 'inline', jobId: id }, shape: inlineDataShape(body.data), inlineData };
  }
  if (source === 'builtin') {
    return { data: { kind: 'builtin', name: body.data.builtin! }, shape: BUILTIN_SHAPES[body.data.builtin!], inlineData: null };
  }
  const meta = await deps.datasetStore.getDataset(tenant, body.data.datasetId!);
  const shape = { samples: meta.samples, inputSize: meta.inputSize, outputSize: meta.outputSize };
  return { data: { kind: 'dataset', datasetId: meta.id, tenant }, shape, inlineData: null };
}

/**
 * The warm start: `model.initialWeights` as sent, or the weights of the completed job named by
 * `model.fromJob` (one of the tenant's, with layers of the same sizes).
 * @throws NotFoundError, JobNotFinishedError, JobFailedError, ValidationError.
 */
async function resolveInitialWeights(jobStore: JobStore, tenant: string, body: JobSubmission): Promise<readonly LayerWeights[] | null> {
  if (!body.model.fromJob) return body.model.initialWeights ?? null;
  const source = await jobStore.getTenantJob(tenant, body.model.fromJob);
  if (source.status === 'failed' || source.status === 'cancelled') throw new JobFailedError('model.fromJob names a job that did not complete.');
  if (source.status !== 'completed') throw new JobNotFinishedError('model.fromJob names a job that has not finished yet.');
  const [sourceSpec, result] = await Promise.all([jobStore.getSpec(source.id), jobStore.getResult(source.id)]);
  if (!sourceSpec || !result) throw new JobFailedError('model.fromJob names a job whose result is gone.');
  const sameShape =
    sourceSpec.model.inputSize === body.model.inputSize &&
    sourceSpec.model.layers.length === body.model.layers.length &&
    sourceSpec.model.layers.every((layer, i) => layer.units === body.model.layers[i].units);
  if (!sameShape) {
    const layers = sourceSpec.model.layers.map((l) => l.units).join('-');
    throw new ValidationError('The warm start does not fit the model.', [
      { path: '/model/fromJob', message: `that job's network is ${sourceSpec.model.inputSize}-${layers}; the layers must have the same sizes` },
    ]);
  }
  return decodeWeights(result.weights, sourceSpec.model.inputSize, sourceSpec.model.layers);
}

/**
 * Refuses a tenant that has used its compute budget (`TENANT_COMPUTE_SECONDS_PER_DAY` training
 * seconds, 0: none) for the current UTC day. Only new submits are refused: jobs already queued
 * or running are not stopped when their training crosses the budget.
 * @throws QuotaExceededError (429, `Retry-After` = seconds to midnight UTC).
 */
async function assertComputeBudget(deps: ApiDeps, tenant: string): Promise<void> {
  const budgetSeconds = deps.config.TENANT_COMPUTE_SECONDS_PER_DAY;
  if (budgetSeconds <= 0) return;
  const now = Date.now();
  const used = await deps.tenantUsage.computeSecondsOn(tenant, now);
  if (used < budgetSeconds) return;
  const resetMs = msUntilUtcMidnight(now);
  throw new QuotaExceededError(
    `Compute quota: the tenant has used ${Math.round(used)} s of training time today (UTC), its daily budget is ${budgetSeconds} s; ` +
    `it resets at ${new Date(now + resetMs).toISOString()}.`,
    Math.ceil(resetMs / 1000),
  );
}

/**
 * Takes what the job needs of the tenant's quotas: compute today, a queued + running slot and
 * its stored bytes. On a refusal nothing stays reserved.
 * @throws QuotaExceededError (429).
 */
async function reserveQuotas(deps: ApiDeps, tenant: string, id: string, storedBytes: number): Promise<void> {
  const { config, jobStore, tenantUsage } = deps;
  await assertComputeBudget(deps, tenant);
  if (!(await jobStore.reserveActiveSlot(tenant, id, config.TENANT_MAX_QUEUED))) {
    throw new QuotaExceededError(`The tenant already has ${config.TENANT_MAX_QUEUED} queued or running jobs, its limit; retry when one finishes.`, 30);
  }
  try {
    await reserveStorageWithinQuota(tenantUsage, tenant, jobArtifact(id), storedBytes, config.TENANT_MAX_STORED_BYTES);
  } catch (error) {
    void jobStore.releaseActiveSlot(tenant, id).catch(() => undefined);
    throw error;
  }
}

/**
 * Stores the job (record, spec, initial weights, inline data) and enqueues it; on a failure
 * nothing acknowledged is left half-created (best effort, not awaited, so a paused or unreachable
 * Redis still gets its 503 within the command timeout).
 */
async function saveAndEnqueue(deps: ApiDeps, tenant: string, id: string, spec: JobSpec, resolved: ResolvedData, initialWeights: readonly LayerWeights[] | null): Promise<JobRecord> {
  const { jobStore, tenantUsage, trainingQueue } = deps;
  let record: JobRecord;
  try {
    record = await jobStore.createJob({ id, tenant, spec, createdAt: new Date().toISOString(), initialWeights, inlineData: resolved.inlineData });
  } catch (error) {
    void jobStore.releaseActiveSlot(tenant, id).catch(() => undefined);
    void tenantUsage.releaseStorage(tenant, jobArtifact(id)).catch(() => undefined);
    throw error;
  }
  try {
    await tenantUsage.confirmStorage(tenant, jobArtifact(id));
    // While the replicas confirm, no worker may take the job (an undo could not remove it then).
    const holdMs = deps.config.REDIS_WAIT_REPLICAS > 0 ? 2 * deps.config.REDIS_WAIT_TIMEOUT_MS + 1_000 : 0;
    await trainingQueue.enqueueTrainingJob({ jobId: id, tenant }, { holdMs });
  } catch (error) {
    void jobStore.deleteJob(id).catch(() => undefined);
    throw error;
  }
  await confirmOrUndo(deps, tenant, id);
  if (deps.config.REDIS_WAIT_REPLICAS > 0) await trainingQueue.releaseTrainingJob(id);
  return record;
}

/**
 * With `REDIS_WAIT_REPLICAS`, the 202 promises that the job survives the loss of the masters
 * that took it: wait for the replicas of the job's, the tenant's and the queue's slots. When
 * they do not confirm in time, the submit is undone (queue entry, keys, slot, stored bytes) so
 * that its 503 leaves nothing behind. The masters answered, so the undo is awaited.
 * @throws UnavailableError (503).
 */
async function confirmOrUndo(deps: ApiDeps, tenant: string, id: string): Promise<void> {
  const keys = createKeys(deps.config.KEY_PREFIX);
  try {
    await confirmWrites(deps.redis, deps.config, [keys.jobRecord(id), keys.tenantJobs(tenant), `${keys.bullPrefix}:${deps.config.QUEUE_NAME}:${id}`]);
  } catch (error) {
    await deps.trainingQueue.removeTrainingJob(id).catch(() => undefined);
    await deps.jobStore.deleteJob(id).catch(() => undefined);
    throw error;
  }
}

/**
 * Honours an Idempotency-Key: reserves it for this submit, or returns the job an earlier
 * request with the same key and body created.
 * @returns `{ keyDigest }` to go on (and release on failure), or `{ replay }` with the earlier job
 *   (`null` when it is gone: the key was released, submit afresh).
 * @throws ConflictError (409) when the key came with another body.
 */
async function claimIdempotencyKey(jobStore: JobStore, tenant: string, id: string, key: string, body: JobSubmission): Promise<{ keyDigest: string } | { replay: JobRecord | null }> {
  const keyDigest = sha256(key);
  const bodyDigest = sha256(JSON.stringify(body));
  const earlier = await jobStore.reserveIdempotencyKey(tenant, keyDigest, { bodyDigest, jobId: id }, IDEMPOTENCY_TTL_SECONDS);
  if (earlier === null) return { keyDigest };
  if (earlier.bodyDigest !== bodyDigest) throw new ConflictError('This Idempotency-Key was used with a different body.');
  // The first request may still be creating that job: give it a moment to appear.
  let record = await jobStore.getJob(earlier.jobId);
  for (let i = 0; record === null && i < 20; i++) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    record = await jobStore.getJob(earlier.jobId);
  }
  if (record !== null && record.tenant === tenant) return { replay: record };
  // The earlier job is gone (deleted or expired): start afresh under the same key.
  await jobStore.releaseIdempotencyKey(tenant, keyDigest);
  return { replay: null };
}

/** A checked submission, ready to store: its data, its warm start and the normalized spec. */
export interface PreparedSubmission {
  resolved: ResolvedData;
  initialWeights: readonly LayerWeights[] | null;
  spec: JobSpec;
}

/**
 * Everything a submit does before it stores anything (a dry run stops here): resolve the data,
 * check the spec against its shape, every limit and the webhook, resolve the warm start and
 * fill in the defaults.
 * @throws ValidationError (400), NotFoundError (404), JobNotFinishedError/JobFailedError (409).
 */
export async function prepareSubmission(deps: ApiDeps, tenant: string, id: string, body: JobSubmission): Promise<PreparedSubmission> {
  const resolved = await resolveData(deps, tenant, id, body);
  const problems = [...checkJobSubmission(body, resolved.shape, deps.config), ...checkJobWebhook(body.webhook, deps.config)];
  if (problems.length > 0) throw new ValidationError('The job spec is invalid or exceeds a limit; see errors.', problems);
  const initialWeights = await resolveInitialWeights(deps.jobStore, tenant, body);
  const normalized = normalizeJobSubmission(body, { data: resolved.data, shape: resolved.shape, seed: randomInt(0, 2 ** 32 - 1), hasInitialWeights: initialWeights !== null });
  return { resolved, initialWeights, spec: withJobWebhook(normalized, body.webhook) };
}

/**
 * POST /v1/jobs as a story: validate the spec against its data's shape and every limit,
 * resolve the data and a warm start, honour the Idempotency-Key, reserve the tenant's quotas
 * (compute today, a queued + running slot, stored bytes), save the job and enqueue it.
 * @throws ValidationError (400), NotFoundError (404: unknown dataset or `fromJob`),
 *   JobNotFinishedError/JobFailedError (409: `fromJob` not completed), ConflictError (409:
 *   key reused with another body), QuotaExceededError (429).
 */
export async function submitJob(deps: ApiDeps, tenant: string, body: JobSubmission, idempotencyKey: string | undefined): Promise<SubmitOutcome> {
  const { jobStore } = deps;
  const id = randomUUID();
  const { resolved, initialWeights, spec } = await prepareSubmission(deps, tenant, id, body);

  let keyDigest: string | null = null;
  if (idempotencyKey !== undefined) {
    const claim = await claimIdempotencyKey(jobStore, tenant, id, idempotencyKey, body);
    if ('replay' in claim) return claim.replay ? { record: claim.replay, created: false } : submitJob(deps, tenant, body, idempotencyKey);
    keyDigest = claim.keyDigest;
  }

  try {
    await reserveQuotas(deps, tenant, id, jobStorageBytes({ spec, initialWeights, inlineData: resolved.inlineData }));
    const record = await saveAndEnqueue(deps, tenant, id, spec, resolved, initialWeights);
    return { record, created: true };
  } catch (error) {
    if (keyDigest !== null) void jobStore.releaseIdempotencyKey(tenant, keyDigest).catch(() => undefined);
    throw error;
  }
}

import { createHash, randomInt, randomUUID } from 'node:crypto';
import { checkDataSource, checkJobSubmission, inlineDataShape, normalizeJobSubmission, type DataShape } from '../contract/check-job.js';
import type { DataRef } from '../contract/job.js';
import type { JobSubmission } from '../contract/job-schema.js';
import { countParameters, encodeWeights } from '../contract/weights.js';
import { ConflictError, JobFailedError, JobNotFinishedError, QuotaExceededError, ValidationError } from '../errors.js';
import { BUILTIN_SHAPES } from '../store/builtin-datasets.js';
import type { EncodedDataset } from '../store/dataset-store.js';
import type { JobRecord } from '../store/job-store.js';
import { encodeNumbers } from '../store/number-buffer.js';
import { jobArtifact, msUntilUtcMidnight, reserveStorageWithinQuota, type TenantUsage } from '../store/tenant-usage.js';
import { checkJobWebhook, withJobWebhook } from '../webhooks/job-webhook.js';
import type { ApiDeps } from './deps.js';

/** How long an Idempotency-Key is remembered (24 h). */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

/** Outcome of a submit: the job, and whether this call created it (false: idempotent replay). */
export interface SubmitOutcome {
  record: JobRecord;
  created: boolean;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Refuses a tenant that has used its compute budget (`TENANT_COMPUTE_SECONDS_PER_DAY` training
 * seconds) for the current UTC day. Only new submits are refused: jobs already queued or
 * running are not stopped when their training crosses the budget.
 * @throws QuotaExceededError (429, `Retry-After` = seconds to midnight UTC).
 */
async function assertComputeBudget(usage: TenantUsage, tenant: string, budgetSeconds: number): Promise<void> {
  if (budgetSeconds <= 0) return;
  const now = Date.now();
  const used = await usage.computeSecondsOn(tenant, now);
  if (used < budgetSeconds) return;
  const resetMs = msUntilUtcMidnight(now);
  throw new QuotaExceededError(
    `Compute quota: the tenant has used ${Math.round(used)} s of training time today (UTC), its daily budget is ${budgetSeconds} s; ` +
    `it resets at ${new Date(now + resetMs).toISOString()}.`,
    Math.ceil(resetMs / 1000),
  );
}

function flatten(rows: number[][]): number[] {
  const out: number[] = [];
  for (const row of rows) for (const value of row) out.push(value);
  return out;
}

/**
 * POST /v1/jobs as a story: check where the data comes from and its shape, resolve a warm
 * start, check the spec against every limit, honour the Idempotency-Key, check the tenant's
 * quotas (compute today, queued + running jobs, stored bytes), then store the job (spec, inline
 * data, initial weights) and enqueue it.
 * @throws ValidationError (400), NotFoundError (404: unknown dataset or `fromJob`),
 *   JobNotFinishedError/JobFailedError (409: `fromJob` not completed), ConflictError (409:
 *   key reused with another body), QuotaExceededError (429).
 */
export async function submitJob(deps: ApiDeps, tenant: string, body: JobSubmission, idempotencyKey: string | undefined): Promise<SubmitOutcome> {
  const { config, jobStore, datasetStore, trainingQueue, tenantUsage } = deps;
  const id = randomUUID();

  const { source, problems: sourceProblems } = checkDataSource(body.data);
  if (source === null || sourceProblems.length > 0) throw new ValidationError('The request is invalid; see errors.', sourceProblems);
  let shape: DataShape;
  let data: DataRef;
  if (source === 'inline') {
    shape = inlineDataShape(body.data);
    data = { kind: 'inline', jobId: id };
  } else if (source === 'builtin') {
    shape = BUILTIN_SHAPES[body.data.builtin!];
    data = { kind: 'builtin', name: body.data.builtin! };
  } else {
    const meta = await datasetStore.getDataset(tenant, body.data.datasetId!);
    shape = { samples: meta.samples, inputSize: meta.inputSize, outputSize: meta.outputSize };
    data = { kind: 'dataset', datasetId: meta.id, tenant };
  }

  const problems = [...checkJobSubmission(body, shape, config), ...checkJobWebhook(body.webhook, config)];
  if (problems.length > 0) throw new ValidationError('The job spec is invalid or exceeds a limit; see errors.', problems);

  let initialWeights: Uint8Array | null = null;
  if (body.model.initialWeights) initialWeights = encodeWeights(body.model.initialWeights);
  if (body.model.fromJob) {
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
    initialWeights = result.weights;
  }

  const spec = withJobWebhook(normalizeJobSubmission(body, { data, shape, seed: randomInt(0, 2 ** 32 - 1), hasInitialWeights: initialWeights !== null }), body.webhook);

  let keyDigest: string | null = null;
  if (idempotencyKey !== undefined) {
    keyDigest = sha256(idempotencyKey);
    const bodyDigest = sha256(JSON.stringify(body));
    const earlier = await jobStore.reserveIdempotencyKey(tenant, keyDigest, { bodyDigest, jobId: id }, IDEMPOTENCY_TTL_SECONDS);
    if (earlier !== null) {
      if (earlier.bodyDigest !== bodyDigest) throw new ConflictError('This Idempotency-Key was used with a different body.');
      // The first request may still be creating that job: give it a moment to appear.
      let record = await jobStore.getJob(earlier.jobId);
      for (let i = 0; record === null && i < 20; i++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        record = await jobStore.getJob(earlier.jobId);
      }
      if (record !== null && record.tenant === tenant) return { record, created: false };
      // The earlier job is gone (deleted or expired): start afresh under the same key.
      await jobStore.releaseIdempotencyKey(tenant, keyDigest);
      return submitJob(deps, tenant, body, idempotencyKey);
    }
  }

  const inline: EncodedDataset | null = source === 'inline'
    ? { ...shape, inputs: encodeNumbers(flatten(body.data.inputs!)), targets: encodeNumbers(flatten(body.data.targets!)) }
    : null;
  // What the job will store: its inline data, initial weights and trained weights (known now
  // from the model's shape, so the result always fits the quota reserved here).
  const storedBytes = (inline ? inline.inputs.byteLength + inline.targets.byteLength : 0) +
    (initialWeights?.byteLength ?? 0) + 8 * countParameters(spec.model.inputSize, spec.model.layers);

  try {
    await assertComputeBudget(tenantUsage, tenant, config.TENANT_COMPUTE_SECONDS_PER_DAY);
    if (!(await jobStore.reserveActiveSlot(tenant, id, config.TENANT_MAX_QUEUED))) {
      throw new QuotaExceededError(`The tenant already has ${config.TENANT_MAX_QUEUED} queued or running jobs, its limit; retry when one finishes.`, 30);
    }
    const createdAt = new Date().toISOString();
    let record: JobRecord;
    try {
      await reserveStorageWithinQuota(tenantUsage, tenant, jobArtifact(id), storedBytes, config.TENANT_MAX_STORED_BYTES);
      record = await jobStore.createJob({ id, tenant, spec, createdAt, initialWeights });
    } catch (error) {
      void jobStore.releaseActiveSlot(tenant, id).catch(() => undefined);
      void tenantUsage.releaseStorage(tenant, jobArtifact(id)).catch(() => undefined);
      throw error;
    }
    try {
      if (inline) await datasetStore.saveInlineData(id, inline);
      await tenantUsage.confirmStorage(tenant, jobArtifact(id));
      await trainingQueue.enqueueTrainingJob({ jobId: id, tenant });
    } catch (error) {
      // Nothing was acknowledged: leave no half-created job behind (best effort, not awaited,
      // so a paused or unreachable Redis still gets its 503 within the command timeout).
      void jobStore.deleteJob(id).catch(() => undefined);
      throw error;
    }
    return { record, created: true };
  } catch (error) {
    if (keyDigest !== null) void jobStore.releaseIdempotencyKey(tenant, keyDigest).catch(() => undefined);
    throw error;
  }
}

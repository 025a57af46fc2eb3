import { randomUUID } from 'node:crypto';
import { estimateSeconds, planJob, type JobPlan, type Throughput } from '../contract/job-plan.js';
import type { JobSubmission } from '../contract/job-schema.js';
import type { ApiDeps } from './deps.js';
import { prepareSubmission } from './submit-job.js';

/** The answer of POST /v1/jobs?dryRun=true. */
export interface DryRunView extends JobPlan {
  /** Seconds the run is expected to train, from the workers' measured throughput. */
  estimatedSeconds: number;
  /** The measurement the estimate rests on (`kernels: "default"` until a worker has measured). */
  throughput: Throughput;
}

/**
 * POST /v1/jobs?dryRun=true: the same checks as a submit, on the same code path up to the
 * point of storing; then the plan (parameters, FLOPs, memory, every limit) and an estimate of
 * the training time. Nothing is stored or queued; no quota is taken.
 * @throws exactly what {@link prepareSubmission} throws (the submit's 400, 404 and 409).
 */
export async function dryRunJob(deps: ApiDeps, tenant: string, body: JobSubmission): Promise<DryRunView> {
  const { spec } = await prepareSubmission(deps, tenant, randomUUID(), body);
  const plan = planJob(spec, deps.config);
  const throughput = await deps.throughputStore.readThroughput();
  return { ...plan, estimatedSeconds: estimateSeconds(plan, throughput), throughput };
}

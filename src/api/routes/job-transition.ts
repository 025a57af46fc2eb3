import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { JobStatus } from '../../contract/job.js';
import { JobView } from '../../contract/job-schema.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import type { JobRecord } from '../../store/job-record.js';
import { toJobView } from '../../store/job-view.js';
import type { ApiDeps } from '../deps.js';
import { describedResponse, IdParams, problemResponse, problemResponses, SECURITY } from '../schemas/common.js';

/**
 * What asking for a status change did: `done` at once (200), `requested` and finished later by
 * the job's worker (202), `refused` by the job's status (409), or the job is `missing` (404).
 */
export type TransitionOutcome = 'done' | 'requested' | 'refused' | 'missing';

/** A `POST /jobs/{id}/<action>` that changes a job's status (cancel, pause, resume). */
export interface JobTransition {
  action: 'cancel' | 'pause' | 'resume';
  operationId: string;
  summary: string;
  description: string;
  /** What the 200 (left out when the change never happens at once), the 202 and the 409 mean. */
  answers: { done?: string; requested: string; refused: string };
  /** The 409's detail for a job in `status`. */
  refusal(status: JobStatus): string;
  /** Asks for the change, and does what must follow a change done at once. */
  apply(record: JobRecord): Promise<TransitionOutcome>;
}

/**
 * Registers a transition: the tenant's job is looked up, the change asked for, and the job's view
 * after it answered (200 when done, 202 when under way).
 */
export function registerJobTransition(app: Parameters<FastifyPluginAsyncTypebox<ApiDeps>>[0], deps: ApiDeps, transition: JobTransition): void {
  const { config, jobStore } = deps;
  const { action, operationId, summary, description, answers } = transition;
  app.post(`/jobs/:id/${action}`, {
    schema: {
      tags: ['jobs'],
      operationId,
      summary,
      description,
      security: SECURITY,
      params: IdParams,
      response: {
        ...(answers.done === undefined ? {} : { 200: describedResponse(JobView, answers.done) }),
        202: describedResponse(JobView, answers.requested),
        ...problemResponses(404, 409),
        409: problemResponse(409, answers.refused),
      },
    },
  }, async (request, reply) => {
    const record = await jobStore.getTenantJob(request.tenant, request.params.id);
    const outcome = await transition.apply(record);
    if (outcome === 'missing') throw new NotFoundError('No such job.');
    if (outcome === 'refused') throw new ConflictError(transition.refusal(record.status));
    request.log.info({ jobId: record.id, outcome }, `job ${action}`);
    const updated = await jobStore.getTenantJob(request.tenant, record.id);
    return reply.code(outcome === 'done' ? 200 : 202).send(toJobView(updated, config.STALLED_HEARTBEAT_MS));
  });
}

import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { JobAccepted, Name, OPTIMIZER_SETTINGS } from '../../contract/job-schema.js';
import { requeueTrainingJob } from '../../queue/requeue-training-job.js';
import { createCheckpointStore, type CheckpointStore } from '../../store/checkpoint-store.js';
import { createJobControl, type JobControl } from '../../store/job-control.js';
import type { ApiDeps } from '../deps.js';
import { forkJob } from '../fork-job.js';
import { describedResponse, HEADERS, IdParams, problemResponse, problemResponses, SECURITY } from '../schemas/common.js';
import { jobLinks } from '../../store/job-view.js';
import { registerJobTransition } from './job-transition.js';

/** The body of POST /v1/jobs/{id}/fork: what the fork changes. */
const ForkRequestSchema = Type.Object({
  epochs: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, description: 'epochs to train after the fork point, at least 1 (default: the source\'s remaining epochs, or as many as it trained when none remain, as for a completed job)' })),
  optimizer: Type.Optional(Type.Object(OPTIMIZER_SETTINGS, { additionalProperties: false, description: 'optimizer fields to change; the optimizer type stays the source\'s' })),
  name: Type.Optional(Name),
}, { additionalProperties: false, title: 'ForkRequest' });

type App = Parameters<FastifyPluginAsyncTypebox<ApiDeps>>[0];
/** What the control routes share. */
interface ControlDeps {
  deps: ApiDeps;
  control: JobControl;
  checkpoints: CheckpointStore;
}
const tags = ['jobs'];

/** Steering a job: pause, resume, fork. */
export const controlRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const shared: ControlDeps = {
    deps,
    control: createJobControl({ redis: deps.redis, config: deps.config }),
    checkpoints: createCheckpointStore({ redis: deps.redis, config: deps.config }),
  };
  registerPause(app, shared);
  registerResume(app, shared);
  registerFork(app, shared);
};

function registerPause(app: App, { deps, control }: ControlDeps): void {
  registerJobTransition(app, deps, {
    action: 'pause',
    operationId: 'pauseJob',
    summary: 'Pause: queued → paused at once; running → checkpoints and gives its thread back at the next batch (202)',
    description: 'A paused job keeps its checkpoint, counts as neither queued nor running for the quotas, and expires like a finished job unless it is resumed. Resumed, it ends with the weights of an uninterrupted run.',
    answers: {
      done: 'Paused: the job was queued and is now paused',
      requested: 'Pausing: the running job checkpoints at its next batch and becomes paused',
      refused: 'The job is not queued or running (conflict)',
    },
    refusal: (status) => `Only a queued or running job can be paused (this one is ${status}).`,
    async apply(record) {
      const { outcome } = await control.requestPause(record.id);
      if (outcome === 'conflict') return 'refused';
      if (outcome !== 'paused') return outcome;
      // A queued job leaves the queue now; a running one is paused by its worker.
      await deps.trainingQueue.removeTrainingJob(record.id);
      await deps.events?.emitJobEvent(record.id, 'paused');
      return 'done';
    },
  });
}

function registerResume(app: App, { deps, control }: ControlDeps): void {
  registerJobTransition(app, deps, {
    action: 'resume',
    operationId: 'resumeJob',
    summary: 'Resume a paused job: it is queued again and continues from its checkpoint',
    description: 'Queues the job again under its own id; its worker continues from the checkpoint taken at the pause (bit-identical to an uninterrupted run). At the tenant\'s queued + running cap (`TENANT_MAX_QUEUED`, with auth on) it answers 429 like a submit and the job stays paused.',
    answers: {
      requested: 'Queued again: the job continues from where it was paused',
      refused: 'The job is not paused (conflict)',
    },
    refusal: (status) => `Only a paused job can be resumed (this one is ${status}).`,
    async apply(record) {
      const { outcome } = await control.resume(record.id, deps.config.TENANT_MAX_QUEUED);
      if (outcome === 'conflict') return 'refused';
      if (outcome === 'missing') return outcome;
      await requeueTrainingJob(deps.trainingQueue.queue, { jobId: record.id, tenant: record.tenant });
      return 'requested';
    },
  });
}

function registerFork(app: App, { deps, control, checkpoints }: ControlDeps): void {
  app.post('/jobs/:id/fork', {
    config: { rateLimitKind: 'submit' },
    schema: {
      tags,
      operationId: 'forkJob',
      summary: 'Fork: a new job from this job\'s latest checkpoint (or final state), with changes',
      description: 'The new job starts from the source\'s weights and optimizer state — its latest checkpoint while running, paused or cancelled, its final state when completed (also after early stopping: the fork trains on with a fresh patience window) — and trains `epochs` more epochs with the given optimizer fields. `epochs` is at least 1: a fork always trains (`0` → 400); left out, it is the source\'s remaining epochs, or as many as the source trained when none remain. The source is unchanged. Its status shows `forkedFrom`.',
      security: SECURITY,
      params: IdParams,
      body: ForkRequestSchema,
      response: {
        202: describedResponse(JobAccepted, 'Accepted: the fork is queued', HEADERS.location),
        ...problemResponses(400, 404, 409, 429),
        409: problemResponse(409, 'The job has no checkpoint to fork from (conflict), or failed without one (job_failed)'),
      },
    },
  }, async (request, reply) => {
    const source = await deps.jobStore.getTenantJob(request.tenant, request.params.id);
    const record = await forkJob(deps, { control, checkpoints }, source, request.body);
    request.log.info({ jobId: record.id, forkedFrom: source.id }, 'job forked');
    reply.header('location', `/v1/jobs/${record.id}`);
    return reply.code(202).send({ id: record.id, status: record.status, createdAt: record.createdAt, seed: record.seed, links: jobLinks(record.id) });
  });
}

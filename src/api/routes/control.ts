import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { JobView } from '../../contract/job-schema.js';
import { ConflictError, NotFoundError } from '../../errors.js';
import { requeueTrainingJob } from '../../queue/requeue-training-job.js';
import { createJobControl } from '../../store/job-control.js';
import type { ApiDeps } from '../deps.js';
import { describedResponse, IdParams, problemResponse, problemResponses, SECURITY } from '../schemas/common.js';
import { toJobView } from '../views.js';

/** Steering a job: pause, resume. */
export const controlRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  const { config, jobStore, trainingQueue } = deps;
  const control = createJobControl({ redis: deps.redis, config });
  const tags = ['jobs'];

  app.post('/jobs/:id/pause', {
    schema: {
      tags,
      operationId: 'pauseJob',
      summary: 'Pause: queued → paused at once; running → checkpoints and gives its thread back at the next batch (202)',
      security: SECURITY,
      params: IdParams,
      response: {
        200: describedResponse(JobView, 'Paused: the job was queued and is now paused'),
        202: describedResponse(JobView, 'Pausing: the running job checkpoints at its next batch and becomes paused'),
        ...problemResponses(404, 409),
        409: problemResponse(409, 'The job is not queued or running (conflict)'),
      },
    },
  }, async (request, reply) => {
    const record = await jobStore.getTenantJob(request.tenant, request.params.id);
    const { outcome } = await control.requestPause(record.id);
    if (outcome === 'missing') throw new NotFoundError('No such job.');
    if (outcome === 'conflict') throw new ConflictError(`Only a queued or running job can be paused (this one is ${record.status}).`);
    // A queued job leaves the queue now; a running one is paused by its worker.
    if (outcome === 'paused') {
      await trainingQueue.removeTrainingJob(record.id);
      await deps.events?.emitJobEvent(record.id, 'paused');
    }
    request.log.info({ jobId: record.id, outcome }, 'job pause');
    const updated = await jobStore.getTenantJob(request.tenant, record.id);
    return reply.code(outcome === 'paused' ? 200 : 202).send(toJobView(updated, config.STALLED_HEARTBEAT_MS));
  });

  app.post('/jobs/:id/resume', {
    schema: {
      tags,
      operationId: 'resumeJob',
      summary: 'Resume a paused job: it is queued again and continues from its checkpoint',
      security: SECURITY,
      params: IdParams,
      response: {
        202: describedResponse(JobView, 'Queued again: the job continues from where it was paused'),
        ...problemResponses(404, 409),
        409: problemResponse(409, 'The job is not paused (conflict)'),
      },
    },
  }, async (request, reply) => {
    const record = await jobStore.getTenantJob(request.tenant, request.params.id);
    const { outcome } = await control.resume(record.id);
    if (outcome === 'missing') throw new NotFoundError('No such job.');
    if (outcome === 'conflict') throw new ConflictError(`Only a paused job can be resumed (this one is ${record.status}).`);
    await requeueTrainingJob(trainingQueue.queue, { jobId: record.id, tenant: record.tenant });
    request.log.info({ jobId: record.id }, 'job resumed');
    const updated = await jobStore.getTenantJob(request.tenant, record.id);
    return reply.code(202).send(toJobView(updated, config.STALLED_HEARTBEAT_MS));
  });
};

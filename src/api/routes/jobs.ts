import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import type { JobStatus } from '../../contract/job.js';
import { JOB_STATUSES } from '../../contract/job.js';
import {
  createJobSubmissionSchema, createPredictSchema, type JobSubmission, CurveView, JobAccepted, JobList, JobView, PredictView, ResultView, StringEnum,
} from '../../contract/job-schema.js';
import { decodeWeights } from '../../contract/weights.js';
import { JobFailedError, JobNotFinishedError, NotFoundError } from '../../errors.js';
import type { ApiDeps } from '../deps.js';
import { etagOf, matchesEtag } from '../etag.js';
import { describedResponse, emptyResponse, HEADERS, IdParams, NOT_MODIFIED, problemResponse, problemResponses, SECURITY } from '../schemas/common.js';
import { predictWithJob } from '../predict.js';
import { submitJob } from '../submit-job.js';
import { dryRunJob } from '../dry-run.js';
import { DryRun } from '../schemas/dry-run.js';
import { jobLinks, toJobView } from '../../store/job-view.js';
import { downsampleMinMax } from '../observability/downsample.js';
import { registerJobTransition } from './job-transition.js';

function etagOfValue(value: unknown): string {
  return etagOf(JSON.stringify(value));
}

/** The Fastify instance the job routes are registered on (TypeBox type provider). */
type JobsApp = Parameters<FastifyPluginAsyncTypebox<ApiDeps>>[0];

const tags = ['jobs'];

/** POST /jobs (submit) and GET /jobs (list). */
function registerSubmitAndList(app: JobsApp, deps: ApiDeps): void {
  const { config, jobStore } = deps;
  app.post('/jobs', {
    bodyLimit: config.JOB_BODY_LIMIT_BYTES,
    config: { rateLimitKind: 'submit', bodyLimitSetting: 'JOB_BODY_LIMIT_BYTES' },
    schema: {
      tags,
      operationId: 'submitJob',
      summary: 'Submit a training job',
      description: 'Validates the job, stores it and queues it. The same `Idempotency-Key` and body from the same tenant return the same job.',
      security: SECURITY,
      headers: Type.Object({
        'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'the same key and body return the same job; a different body is a 409' })),
      }),
      querystring: Type.Object(
        { dryRun: Type.Optional(Type.Boolean({ default: false, description: 'true: validate and plan the job (200 DryRun) without storing or queueing it' })) },
        { additionalProperties: false },
      ),
      body: createJobSubmissionSchema(config),
      response: {
        200: describedResponse(DryRun, 'The plan of a dry run: nothing is stored or queued'),
        202: describedResponse(JobAccepted, 'Accepted: the job is queued', {
          ...HEADERS.location,
          'Idempotent-Replayed': { type: 'string', description: 'true when this answers an earlier request with the same Idempotency-Key' },
        }),
        ...problemResponses(400, 404, 409, 413, 415),
        404: problemResponse(404, 'data.datasetId or model.fromJob names no dataset or job of this tenant (not_found)'),
        409: problemResponse(409, 'The Idempotency-Key was used with a different body (conflict)'),
      },
    },
  }, async (request, reply) => {
    if ((request.query as { dryRun?: boolean }).dryRun === true) return reply.code(200).send(await dryRunJob(deps, request.tenant, request.body as JobSubmission));
    const key = request.headers['idempotency-key'];
    const { record, created } = await submitJob(deps, request.tenant, request.body as JobSubmission, typeof key === 'string' ? key : undefined);
    if (created) request.log.info({ jobId: record.id, tenant: record.tenant }, 'job submitted');
    reply.header('location', `/v1/jobs/${record.id}`);
    if (!created) reply.header('idempotent-replayed', 'true');
    return reply.code(202).send({ id: record.id, status: record.status, createdAt: record.createdAt, seed: record.seed, links: jobLinks(record.id) });
  });

  app.get('/jobs', {
    schema: {
      tags,
      operationId: 'listJobs',
      summary: 'List the tenant’s jobs, newest first',
      description: 'Optionally only those in one status. Pass `nextCursor` as `cursor` for the next page.',
      security: SECURITY,
      querystring: Type.Object(
        {
          status: Type.Optional(StringEnum(JOB_STATUSES)),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
          cursor: Type.Optional(Type.String({ maxLength: 64 })),
        },
        { additionalProperties: false },
      ),
      response: { 200: describedResponse(JobList, 'A page of jobs'), ...problemResponses(400) },
    },
  }, async (request) => {
    const { status, limit = 20, cursor } = request.query as { status?: JobStatus; limit?: number; cursor?: string };
    const page = await jobStore.listJobs(request.tenant, { status, limit, cursor: cursor ?? null });
    return { items: page.items.map((item) => toJobView(item, config.STALLED_HEARTBEAT_MS)), nextCursor: page.nextCursor };
  });
}

/** GET /jobs/{id} (status, ETag) and GET /jobs/{id}/metrics (the curve). */
function registerStatusAndCurve(app: JobsApp, deps: ApiDeps): void {
  const { config, jobStore, metricsStore } = deps;
  app.get('/jobs/:id', {
    schema: {
      tags,
      operationId: 'getJob',
      summary: 'A job’s status (ETag; If-None-Match → 304)',
      description: 'Status, progress, the latest epoch’s metrics, the seed and, on failure, the error. Cheap to poll: send the ETag back in If-None-Match.',
      security: SECURITY,
      params: IdParams,
      headers: Type.Object({ 'if-none-match': Type.Optional(Type.String({ maxLength: 1024, description: 'an ETag received before: 304 while the job is unchanged' })) }),
      response: { 200: describedResponse(JobView, 'The job’s status', HEADERS.etag), 304: NOT_MODIFIED, ...problemResponses(404) },
    },
  }, async (request, reply) => {
    const view = toJobView(await jobStore.getTenantJob(request.tenant, request.params.id), config.STALLED_HEARTBEAT_MS);
    // Polled by every dashboard: serialise once (the route's compiled response schema) and tag
    // those bytes, rather than JSON.stringify for the tag and a second serialisation to send.
    // The tag covers the exact bytes sent, trailing newline included.
    const body = `${(reply as FastifyReply).serializeInput(view, '200') as string}\n`;
    const etag = etagOf(body);
    reply.header('etag', etag).header('cache-control', 'no-cache');
    if (matchesEtag(request.headers['if-none-match'], etag)) return (reply as FastifyReply).code(304).send();
    return (reply as FastifyReply).type('application/json; charset=utf-8').send(body);
  });

  app.get('/jobs/:id/metrics', {
    schema: {
      tags,
      operationId: 'getJobMetrics',
      summary: 'The loss curve: points with epoch > since, oldest first',
      description: 'One point per epoch. Pass `next` as `since` on the next poll; `maxPoints` downsamples on read.',
      security: SECURITY,
      params: IdParams,
      querystring: Type.Object({
        since: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
        maxPoints: Type.Optional(Type.Integer({ minimum: 4, maximum: 100_000, description: 'at most this many points: min and max of each bucket are kept' })),
      }, { additionalProperties: false }),
      response: { 200: describedResponse(CurveView, 'A page of the curve'), ...problemResponses(400, 404) },
    },
  }, async (request) => {
    const record = await jobStore.getTenantJob(request.tenant, request.params.id);
    const page = await metricsStore.readCurve(record.id, request.query.since ?? 0);
    const points = request.query.maxPoints === undefined ? page.points : downsampleMinMax(page.points, request.query.maxPoints);
    return { jobId: record.id, status: record.status, points, next: page.next };
  });
}

/** GET /jobs/{id}/result and POST /jobs/{id}/predict. */
function registerResultAndPredict(app: JobsApp, deps: ApiDeps): void {
  const { config, jobStore } = deps;
  app.get('/jobs/:id/result', {
    schema: {
      tags,
      operationId: 'getJobResult',
      summary: 'The trained model (409 job_not_finished / job_failed before; ETag, If-None-Match → 304)',
      description: 'The layers, the weights (`W[j][k]` connects neuron k of the previous layer to neuron j), the final metrics and the seed.',
      security: SECURITY,
      params: IdParams,
      headers: Type.Object({ 'if-none-match': Type.Optional(Type.String({ maxLength: 1024, description: 'an ETag received before: 304 (the result never changes)' })) }),
      response: {
        200: describedResponse(ResultView, 'The trained model', HEADERS.etag),
        304: NOT_MODIFIED,
        ...problemResponses(404, 409),
        409: problemResponse(409, 'The job has not finished (job_not_finished), or failed or was cancelled (job_failed)'),
      },
    },
  }, async (request, reply) => {
    const record = await jobStore.getTenantJob(request.tenant, request.params.id);
    if (record.status === 'failed' || record.status === 'cancelled') throw new JobFailedError(`The job ${record.status === 'failed' ? 'failed' : 'was cancelled'}; it has no result.`);
    if (record.status !== 'completed') throw new JobNotFinishedError();
    // A result never changes once written: its tag comes from the record, so a repeated
    // download of large weights is a 304 without reading or decoding them.
    const etag = etagOfValue({ result: record.id, finishedAt: record.finishedAt, attempts: record.attempts });
    reply.header('etag', etag).header('cache-control', 'private, no-cache');
    if (matchesEtag(request.headers['if-none-match'], etag)) return (reply as FastifyReply).code(304).send();
    const [spec, result] = await Promise.all([jobStore.getSpec(record.id), jobStore.getResult(record.id)]);
    if (!spec || !result) throw new NotFoundError('No such job.');
    const model = { inputSize: spec.model.inputSize, layers: spec.model.layers };
    return {
      jobId: record.id,
      model,
      weights: decodeWeights(result.weights, model.inputSize, model.layers),
      metrics: result.metrics,
      seed: record.seed,
      kernel: result.kernel,
    };
  });

  app.post('/jobs/:id/predict', {
    // As large as a submit's: 1,000 MNIST rows fit, as they do in a job's inline data.
    bodyLimit: config.JOB_BODY_LIMIT_BYTES,
    config: { bodyLimitSetting: 'JOB_BODY_LIMIT_BYTES' },
    schema: {
      tags,
      operationId: 'predict',
      summary: 'Run the trained model on inputs',
      description: 'One output row per input row, from the completed job’s weights (a forward pass on the API’s inference threads).',
      security: SECURITY,
      params: IdParams,
      body: createPredictSchema(config),
      response: {
        200: describedResponse(PredictView, 'The model’s outputs, one row per input row'),
        ...problemResponses(400, 404, 409, 413, 415, 422),
        409: problemResponse(409, 'The job has not finished (job_not_finished), or failed or was cancelled (job_failed)'),
        422: problemResponse(422, 'An output overflowed to ±Infinity or NaN (non_finite_output); detail names the row'),
      },
    },
  }, async (request) => ({ outputs: await predictWithJob(deps, request.tenant, request.params.id, request.body.inputs) }));
}

/** POST /jobs/{id}/cancel and DELETE /jobs/{id}. */
function registerCancelAndDelete(app: JobsApp, deps: ApiDeps): void {
  const { jobStore, trainingQueue } = deps;
  registerJobTransition(app, deps, {
    action: 'cancel',
    operationId: 'cancelJob',
    summary: 'Cancel: queued → cancelled at once; running → stops at the next batch (202)',
    description: 'A finished job cannot be cancelled (409).',
    answers: {
      done: 'Cancelled: the job was queued and is now cancelled',
      requested: 'Cancelling: the running job stops at its next batch',
      refused: 'The job has already finished (conflict)',
    },
    refusal: (status) => `The job has already finished (${status}).`,
    async apply(record) {
      const outcome = await trainingQueue.cancelTrainingJob(record.id);
      if (outcome === 'finished') return 'refused';
      if (outcome !== 'cancelled') return outcome;
      // A queued job is cancelled here; a running one by its worker, which reports it.
      await deps.events?.emitJobEvent(record.id, 'cancelled');
      return 'done';
    },
  });

  app.delete('/jobs/:id', {
    schema: {
      tags,
      operationId: 'deleteJob',
      summary: 'Delete a job, its curve, result and checkpoints (cancels it first)',
      description: 'The job is gone afterwards: its id answers 404.',
      security: SECURITY,
      params: IdParams,
      response: { 204: emptyResponse('Deleted'), ...problemResponses(404) },
    },
  }, async (request, reply) => {
    const record = await jobStore.getTenantJob(request.tenant, request.params.id);
    await trainingQueue.cancelTrainingJob(record.id);
    await trainingQueue.removeTrainingJob(record.id);
    await jobStore.deleteJob(record.id);
    request.log.info({ jobId: record.id }, 'job deleted');
    return (reply as FastifyReply).code(204).send();
  });
}

/** Job routes: submit, list, status, metrics, result, cancel, delete, predict. */
export const jobRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  registerSubmitAndList(app, deps);
  registerStatusAndCurve(app, deps);
  registerResultAndPredict(app, deps);
  registerCancelAndDelete(app, deps);
};

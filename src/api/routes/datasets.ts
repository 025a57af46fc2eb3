import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { DatasetUpload, DatasetView } from '../../contract/job-schema.js';
import { QuotaExceededError, UnsupportedMediaTypeError } from '../../errors.js';
import { datasetTooLarge, parseCsvDataset, parseJsonDataset } from '../dataset-upload.js';
import { confirmWrites } from '../../queue/connection.js';
import type { ApiDeps } from '../deps.js';
import { compileValidator } from '../validation.js';
import { describedResponse, emptyResponse, HEADERS, IdParams, problemResponses, SECURITY } from '../schemas/common.js';

/** A page of datasets (GET /v1/datasets). */
const DatasetList = Type.Object({
  items: Type.Array(DatasetView),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
}, { title: 'DatasetList', description: 'A page of datasets, newest first; pass nextCursor as cursor for the next page (null: no more)' });

/** The Fastify instance the dataset routes are registered on (TypeBox type provider). */
type DatasetsApp = Parameters<FastifyPluginAsyncTypebox<ApiDeps>>[0];

const tags = ['datasets'];

/** POST /datasets: a JSON or CSV upload, parsed as a stream. */
function registerUpload(app: DatasetsApp, deps: ApiDeps): void {
  const { config, datasetStore, tenantUsage } = deps;
  const maxStoredBytes = config.TENANT_MAX_STORED_BYTES;
  const limitBytes = config.DATASET_BODY_LIMIT_BYTES;
  // Uploads are parsed as streams in the handler (never buffered whole): the parsers here
  // only hand the request stream through.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'text/csv'], (_request: unknown, payload: IncomingMessage, done: (err: Error | null, body?: unknown) => void) => {
    done(null, payload);
  });
  app.addContentTypeParser('*', (_request: unknown, _payload: IncomingMessage, done: (err: Error | null, body?: unknown) => void) => {
    done(new UnsupportedMediaTypeError('Send the dataset as application/json or text/csv.'));
  });

  app.post('/datasets', {
    // Large uploads take longer than a polling request may: 110 MB of MNIST CSV parse in about
    // 20 s on a busy 2-core box.
    handlerTimeout: 4 * Math.max(config.REQUEST_TIMEOUT_MS, config.HANDLER_TIMEOUT_MS),
    schema: {
      tags,
      operationId: 'uploadDataset',
      summary: 'Upload a dataset: JSON {inputs, targets} or text/csv (header row; the last targetColumns columns are targets)',
      description: 'Parsed as a stream; stored once, used by many jobs (`data: { datasetId }`).',
      security: SECURITY,
      querystring: Type.Object({
        targetColumns: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024, default: 1, description: 'text/csv: how many of the last columns are targets' })),
      }, { additionalProperties: false }),
      body: {
        content: {
          'application/json': { schema: DatasetUpload },
          'text/csv': {
            schema: Type.String({ description: 'a header row, then one sample per row: the input columns, then the last targetColumns columns as targets' }),
          },
        },
      },
      response: { 201: describedResponse(DatasetView, 'Stored', HEADERS.location), ...problemResponses(400, 413, 415) },
    },
    // The body is a stream checked by the streaming parsers, not by Ajv.
    validatorCompiler: (route) => (route.httpPart === 'body' ? () => true : compileValidator(route)) as never,
  }, async (request, reply) => {
    const length = Number(request.headers['content-length'] ?? 0);
    if (length > limitBytes) throw datasetTooLarge(limitBytes);
    // A tenant already at its storage quota is refused before a large body is parsed; the
    // exact check (this dataset's bytes, atomically) is the store's.
    if (maxStoredBytes > 0 && (await tenantUsage.storedBytes(request.tenant)) >= maxStoredBytes) {
      throw new QuotaExceededError(`Storage quota: the tenant already stores its limit of ${maxStoredBytes} bytes (uploaded datasets; jobs' inline data and weights). Delete datasets or jobs, or wait for finished jobs to expire.`);
    }
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const stream = request.body as unknown as Readable;
    const query = request.query as { targetColumns?: number };
    const encoded = type === 'text/csv'
      ? await parseCsvDataset(stream, limitBytes, query.targetColumns ?? 1, config)
      : await parseJsonDataset(stream, limitBytes, config);
    const meta = await datasetStore.saveDataset(request.tenant, encoded, { maxStoredBytes });
    try {
      // With REDIS_WAIT_REPLICAS, a 201 means the replicas have the dataset too.
      await confirmWrites(deps.redis, config, [datasetStore.keys.dataset(meta.id)]);
    } catch (error) {
      await datasetStore.deleteDataset(request.tenant, meta.id).catch(() => undefined);
      throw error;
    }
    request.log.info({ datasetId: meta.id, samples: meta.samples, bytes: meta.bytes }, 'dataset stored');
    reply.header('location', `/v1/datasets/${meta.id}`);
    return reply.code(201).send(meta);
  });
}

/** GET /datasets (list), GET /datasets/{id} (metadata) and DELETE /datasets/{id}. */
function registerReads(app: DatasetsApp, deps: ApiDeps): void {
  const { datasetStore } = deps;
  app.get('/datasets', {
    schema: {
      tags,
      operationId: 'listDatasets',
      summary: 'List the tenant’s datasets, newest first',
      security: SECURITY,
      querystring: Type.Object(
        {
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
          cursor: Type.Optional(Type.String({ maxLength: 128, description: 'nextCursor of the previous page' })),
        },
        { additionalProperties: false },
      ),
      response: { 200: describedResponse(DatasetList, 'A page of datasets'), ...problemResponses(400) },
    },
  }, async (request) => {
    const { limit = 20, cursor } = request.query as { limit?: number; cursor?: string };
    return datasetStore.listDatasets(request.tenant, { limit, cursor: cursor ?? null });
  });

  app.get('/datasets/:id', {
    schema: {
      tags, operationId: 'getDataset', summary: 'A dataset’s metadata',
      description: 'Its samples, input and output sizes and stored bytes.', security: SECURITY, params: IdParams,
      response: { 200: describedResponse(DatasetView, 'The dataset’s metadata'), ...problemResponses(404) },
    },
  }, async (request) => datasetStore.getDataset(request.tenant, request.params.id));

  app.delete('/datasets/:id', {
    schema: {
      tags, operationId: 'deleteDataset', summary: 'Remove a dataset',
      description: 'Queued jobs that still use it fail with invalid_data.', security: SECURITY, params: IdParams,
      response: { 204: emptyResponse('Deleted'), ...problemResponses(404) },
    },
  }, async (request, reply) => {
    await datasetStore.deleteDataset(request.tenant, request.params.id);
    return (reply as FastifyReply).code(204).send();
  });
}

/** Dataset routes: upload (JSON or CSV, streamed), list, metadata, removal. */
export const datasetRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, deps) => {
  registerUpload(app, deps);
  registerReads(app, deps);
};

import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import type { DataRef } from '../contract/job.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { loadBuiltinDataset, type DatasetArrays } from './builtin-datasets.js';
import { createKeys, type Keys } from './keys.js';
import { concatChunks, decodeNumbers, type EncodedNumbers, type NumberDtype } from './number-buffer.js';
import { createTenantUsage, datasetArtifact, reserveStorageWithinQuota, type TenantUsage } from './tenant-usage.js';

export type { DatasetArrays } from './builtin-datasets.js';

/** A dataset ready to store: its shape and its numbers already encoded. */
export interface EncodedDataset {
  samples: number;
  inputSize: number;
  outputSize: number;
  inputs: EncodedNumbers;
  targets: EncodedNumbers;
}

/** What GET /v1/datasets/{id} answers. */
export interface DatasetMeta {
  id: string;
  samples: number;
  inputSize: number;
  outputSize: number;
  /** Stored bytes of inputs + targets. */
  bytes: number;
  createdAt: string;
  inputsDtype: NumberDtype;
  targetsDtype: NumberDtype;
}

/** Dataset storage: uploaded datasets (tenant-owned) and the inline data of jobs. */
export interface DatasetStore {
  readonly keys: Keys;
  /**
   * Stores an uploaded dataset for `tenant` (numbers appended chunk by chunk, metadata written
   * last so a half-written dataset is never visible). Its bytes are first reserved in the
   * tenant's storage quota; a refused or failed upload leaves no keys and no reservation behind.
   * @param options.maxStoredBytes `TENANT_MAX_STORED_BYTES` (0: no limit). @defaultValue 0
   * @throws QuotaExceededError when the dataset would take the tenant past `maxStoredBytes`.
   */
  saveDataset(tenant: string, data: EncodedDataset, options?: { maxStoredBytes?: number }): Promise<DatasetMeta>;
  /** Metadata of a tenant's dataset. @throws NotFoundError when missing or another tenant's. */
  getDataset(tenant: string, id: string): Promise<DatasetMeta>;
  /** Removes a tenant's dataset (and its bytes from the storage quota). @throws NotFoundError when missing or another tenant's. */
  deleteDataset(tenant: string, id: string): Promise<void>;
  /**
   * A page of the tenant's datasets, newest first. `cursor` is an earlier page's `nextCursor`
   * (`null` when there is no more).
   * @throws ValidationError when `cursor` is not one this store issued.
   */
  listDatasets(tenant: string, options: { limit: number; cursor?: string | null }): Promise<DatasetPage>;
  /** Stores a job's inline data under the job's keys (no TTL until the job finishes). */
  saveInlineData(jobId: string, data: EncodedDataset): Promise<void>;
  /**
   * Loads a job's training data as Float64Arrays, whatever its source.
   * @throws NotFoundError when the inline blob or the uploaded dataset no longer exists
   *   (a worker should fail the job with `invalid_data`).
   */
  loadDatasetArrays(ref: DataRef): Promise<DatasetArrays>;
}

/** One page of {@link DatasetStore.listDatasets}. */
export interface DatasetPage {
  items: DatasetMeta[];
  nextCursor: string | null;
}

/** The index member of a dataset: its creation time (ms, fixed width) then its id, so lex order is time order. */
function indexMember(meta: { id: string; createdAt: string }): string {
  const ms = Date.parse(meta.createdAt);
  return `${String(Number.isFinite(ms) ? ms : 0).padStart(15, '0')}:${meta.id}`;
}

const CURSOR_PATTERN = /^[0-9]{15}:[0-9a-f-]{36}$/;

function decodeCursor(cursor: string): string {
  const member = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!CURSOR_PATTERN.test(member)) {
    throw new ValidationError('The cursor is not valid.', [{ path: '/querystring/cursor', message: 'must be a nextCursor from an earlier page' }]);
  }
  return member;
}

const META_FIELDS = ['tenant', 'samples', 'inputSize', 'outputSize', 'bytes', 'createdAt', 'inputsDtype', 'targetsDtype'] as const;

function metaOf(id: string, values: (string | null)[]): DatasetMeta & { tenant: string } {
  const [tenant, samples, inputSize, outputSize, bytes, createdAt, inputsDtype, targetsDtype] = values;
  return {
    id,
    tenant: tenant ?? '',
    samples: Number(samples),
    inputSize: Number(inputSize),
    outputSize: Number(outputSize),
    bytes: Number(bytes),
    createdAt: createdAt ?? '',
    inputsDtype: (inputsDtype ?? 'float64') as NumberDtype,
    targetsDtype: (targetsDtype ?? 'float64') as NumberDtype,
  };
}

function publicMeta(meta: DatasetMeta & { tenant: string }): DatasetMeta {
  const { tenant: _tenant, ...rest } = meta;
  return rest;
}

/** What the dataset store's operations share. */
interface StoreContext {
  redis: Redis;
  reader: Redis;
  keys: Keys;
  usage: TenantUsage;
}

async function appendAll(ctx: StoreContext, key: string, encoded: EncodedNumbers): Promise<void> {
  // An empty string key does not exist in Redis; SET '' first so GET finds a zero-length value.
  await ctx.redis.set(key, '');
  for (const chunk of encoded.chunks()) {
    await ctx.redis.append(key, Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
}

async function readMeta(ctx: StoreContext, id: string): Promise<(DatasetMeta & { tenant: string }) | null> {
  const values = await ctx.reader.hmget(ctx.keys.dataset(id), ...META_FIELDS);
  if (values[0] === null) return null;
  return metaOf(id, values);
}

async function saveDataset(ctx: StoreContext, tenant: string, data: EncodedDataset, maxStoredBytes: number): Promise<DatasetMeta> {
  const { redis, keys, usage } = ctx;
  const id = randomUUID();
  const meta: DatasetMeta & { tenant: string } = {
    id,
    tenant,
    samples: data.samples,
    inputSize: data.inputSize,
    outputSize: data.outputSize,
    bytes: data.inputs.byteLength + data.targets.byteLength,
    createdAt: new Date().toISOString(),
    inputsDtype: data.inputs.dtype,
    targetsDtype: data.targets.dtype,
  };
  const artifact = datasetArtifact(id);
  // Reserved before anything is written, so concurrent uploads cannot overshoot the quota.
  await reserveStorageWithinQuota(usage, tenant, artifact, meta.bytes, maxStoredBytes);
  try {
    await appendAll(ctx, keys.datasetInputs(id), data.inputs);
    await appendAll(ctx, keys.datasetTargets(id), data.targets);
    const { id: _id, ...fields } = meta;
    await redis.hset(keys.dataset(id), fields as unknown as Record<string, string | number>);
    await redis.sadd(keys.tenantDatasets(tenant), id);
    await redis.zadd(keys.tenantDatasetIndex(tenant), 0, indexMember(meta));
    await usage.confirmStorage(tenant, artifact);
  } catch (error) {
    await redis.del(keys.dataset(id), keys.datasetInputs(id), keys.datasetTargets(id)).catch(() => undefined);
    await usage.releaseStorage(tenant, artifact).catch(() => undefined);
    throw error;
  }
  return publicMeta(meta);
}

/**
 * Datasets stored before the time index existed are only in the tenant's set: index them
 * once (the set and the index have the same members afterwards).
 */
async function backfillIndex(ctx: StoreContext, tenant: string): Promise<void> {
  const { redis, reader, keys } = ctx;
  const [inSet, inIndex] = await Promise.all([reader.scard(keys.tenantDatasets(tenant)), reader.zcard(keys.tenantDatasetIndex(tenant))]);
  if (inSet <= inIndex) return;
  const ids = await reader.smembers(keys.tenantDatasets(tenant));
  const metas = await Promise.all(ids.map((id) => readMeta(ctx, id)));
  const members = metas.filter((meta) => meta !== null && meta.tenant === tenant).map((meta) => indexMember(meta!));
  if (members.length > 0) await redis.zadd(keys.tenantDatasetIndex(tenant), ...members.flatMap((member) => [0, member]));
  const gone = ids.filter((_id, i) => metas[i] === null);
  if (gone.length > 0) await redis.srem(keys.tenantDatasets(tenant), ...gone);
}

async function listDatasets(ctx: StoreContext, tenant: string, limit: number, cursor: string | null | undefined): Promise<DatasetPage> {
  const { redis, reader, keys } = ctx;
  await backfillIndex(ctx, tenant);
  const max = cursor ? `(${decodeCursor(cursor)}` : '+';
  // One more than asked: whether a next page exists, without a second read.
  const members = await reader.zrevrangebylex(keys.tenantDatasetIndex(tenant), max, '-', 'LIMIT', 0, limit + 1);
  const page = members.slice(0, limit);
  const metas = await Promise.all(page.map((member) => readMeta(ctx, member.slice(16))));
  const items: DatasetMeta[] = [];
  const vanished: string[] = [];
  metas.forEach((meta, i) => {
    if (meta === null || meta.tenant !== tenant) vanished.push(page[i]);
    else items.push(publicMeta(meta));
  });
  if (vanished.length > 0) void redis.zrem(keys.tenantDatasetIndex(tenant), ...vanished).catch(() => undefined);
  const nextCursor = members.length > limit ? Buffer.from(page[page.length - 1]).toString('base64url') : null;
  return { items, nextCursor };
}

async function loadInlineArrays(ctx: StoreContext, jobId: string): Promise<DatasetArrays> {
  const [samples, inputSize, outputSize, inputsDtype, targetsDtype, inputs, targets] = await ctx.redis.hmgetBuffer(
    ctx.keys.jobData(jobId), 'samples', 'inputSize', 'outputSize', 'inputsDtype', 'targetsDtype', 'inputs', 'targets',
  );
  if (samples === null || inputs === null || targets === null) throw new NotFoundError('The job’s inline data no longer exists.');
  return {
    samples: Number(samples.toString()),
    inputSize: Number(inputSize!.toString()),
    outputSize: Number(outputSize!.toString()),
    inputs: decodeNumbers(inputs, inputsDtype!.toString() as NumberDtype),
    targets: decodeNumbers(targets, targetsDtype!.toString() as NumberDtype),
  };
}

async function loadUploadedArrays(ctx: StoreContext, tenant: string, datasetId: string): Promise<DatasetArrays> {
  const meta = await readMeta(ctx, datasetId);
  if (meta === null || meta.tenant !== tenant) throw new NotFoundError('The dataset no longer exists.');
  const inputs = await ctx.redis.getBuffer(ctx.keys.datasetInputs(datasetId));
  const targets = await ctx.redis.getBuffer(ctx.keys.datasetTargets(datasetId));
  if (inputs === null || targets === null) throw new NotFoundError('The dataset no longer exists.');
  return {
    samples: meta.samples,
    inputSize: meta.inputSize,
    outputSize: meta.outputSize,
    inputs: decodeNumbers(inputs, meta.inputsDtype),
    targets: decodeNumbers(targets, meta.targetsDtype),
  };
}

/**
 * Creates the dataset store on an ioredis connection.
 * @param options.redis a connection (the API's fails fast; workers' wait for Redis).
 * @param options.config `KEY_PREFIX` decides every key.
 */
export function createDatasetStore(options: {
  redis: Redis;
  /** A connection for metadata reads (see the job store's `reader`). @defaultValue `redis` */
  reader?: Redis;
  config: Pick<Config, 'KEY_PREFIX'>;
  /** The tenants' storage ledger (uploads reserve their bytes in it). @defaultValue one on `redis` */
  usage?: TenantUsage;
}): DatasetStore {
  const { redis } = options;
  const keys = createKeys(options.config.KEY_PREFIX);
  const usage = options.usage ?? createTenantUsage({ redis, config: options.config });
  const ctx: StoreContext = { redis, reader: options.reader ?? redis, keys, usage };
  const ownMeta = async (tenant: string, id: string) => {
    const meta = await readMeta(ctx, id);
    if (meta === null || meta.tenant !== tenant) throw new NotFoundError('No such dataset.');
    return meta;
  };

  return {
    keys,
    saveDataset: (tenant, data, saveOptions = {}) => saveDataset(ctx, tenant, data, saveOptions.maxStoredBytes ?? 0),
    getDataset: async (tenant, id) => publicMeta(await ownMeta(tenant, id)),

    async deleteDataset(tenant, id) {
      const meta = await ownMeta(tenant, id);
      await redis.del(keys.dataset(id), keys.datasetInputs(id), keys.datasetTargets(id));
      await redis.srem(keys.tenantDatasets(tenant), id);
      await redis.zrem(keys.tenantDatasetIndex(tenant), indexMember(meta));
      await ctx.usage.releaseStorage(tenant, datasetArtifact(id));
    },

    listDatasets: (tenant, { limit, cursor }) => listDatasets(ctx, tenant, limit, cursor),

    async saveInlineData(jobId, data) {
      await redis.hset(keys.jobData(jobId), {
        samples: data.samples,
        inputSize: data.inputSize,
        outputSize: data.outputSize,
        inputsDtype: data.inputs.dtype,
        targetsDtype: data.targets.dtype,
        inputs: concatChunks(data.inputs),
        targets: concatChunks(data.targets),
      });
    },

    async loadDatasetArrays(ref) {
      if (ref.kind === 'builtin') return loadBuiltinDataset(ref.name);
      if (ref.kind === 'inline') return loadInlineArrays(ctx, ref.jobId);
      return loadUploadedArrays(ctx, ref.tenant, ref.datasetId);
    },
  };
}

import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createJobIndex, decodeCursor, encodeCursor } from '../../../src/store/job-index.js';
import { createJobRecords } from '../../../src/store/job-records.js';
import { xorJobSpec } from '../../helpers/specs.js';
import { createStoreFixture } from './store-fixture.js';

const f = createStoreFixture('index');
const records = createJobRecords({ redis: f.redis, reader: f.redis, keys: f.keys, config: { JOB_TTL_SECONDS: 3600 } });
const index = createJobIndex({ redis: f.redis, reader: f.redis, keys: f.keys });

afterEach(() => f.clean());
afterAll(() => f.close());

async function addJobs(tenant: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    await records.create({ id, tenant, spec: xorJobSpec(id), createdAt: new Date().toISOString() });
    await index.add(tenant, id);
    ids.push(id);
  }
  return ids;
}

describe('JobIndex', () => {
  it('numbers a tenant’s jobs in submission order, per tenant', async () => {
    expect([await index.add('a', 'x'), await index.add('a', 'y'), await index.add('b', 'z')]).toEqual([1, 2, 1]);
  });

  it('pages newest first with an opaque cursor until the end', async () => {
    const ids = await addJobs('a', 5);
    await addJobs('b', 1);

    const page1 = await index.list('a', { limit: 2 });
    const page2 = await index.list('a', { limit: 2, cursor: page1.nextCursor });
    const page3 = await index.list('a', { limit: 2, cursor: page2.nextCursor });

    expect(page1.items.map((j) => j.id)).toEqual([ids[4], ids[3]]);
    expect(page2.items.map((j) => j.id)).toEqual([ids[2], ids[1]]);
    expect(page3.items.map((j) => j.id)).toEqual([ids[0]]);
    expect(page3.nextCursor).toBeNull();
  });

  it('answers no cursor when a page ends exactly at the last job', async () => {
    await addJobs('a', 2);

    expect((await index.list('a', { limit: 2 })).nextCursor).toBeNull();
  });

  it('filters by status, skipping jobs of other statuses', async () => {
    const ids = await addJobs('a', 6);
    await records.finish(ids[1], 'failed', { code: 'x', message: 'y' }, new Date().toISOString());
    await records.finish(ids[4], 'failed', { code: 'x', message: 'y' }, new Date().toISOString());

    const first = await index.list('a', { limit: 1, status: 'failed' });
    const second = await index.list('a', { limit: 1, status: 'failed', cursor: first.nextCursor });

    expect(first.items.map((j) => j.id)).toEqual([ids[4]]);
    expect(second.items.map((j) => j.id)).toEqual([ids[1]]);
    expect(second.nextCursor === null || (await index.list('a', { limit: 1, status: 'failed', cursor: second.nextCursor })).items.length === 0).toBe(true);
  });

  it('prunes entries of jobs that no longer exist', async () => {
    const ids = await addJobs('a', 3);
    await records.remove(ids[1]);

    const page = await index.list('a', { limit: 10 });

    expect(page.items.map((j) => j.id)).toEqual([ids[2], ids[0]]);
    await expect.poll(() => f.redis.zcard(f.keys.tenantJobs('a'))).toBe(2);
  });

  it('refuses a cursor it did not make with 400 validation_failed', async () => {
    await expect(index.list('a', { limit: 1, cursor: 'bm9wZQ' })).rejects.toMatchObject({ code: 'validation_failed', status: 400 });
    expect(decodeCursor(encodeCursor(42))).toBe(42);
  });

  it('forgets a removed job', async () => {
    const [id] = await addJobs('a', 1);

    await index.remove('a', id);

    expect((await index.list('a', { limit: 10 })).items).toEqual([]);
  });
});

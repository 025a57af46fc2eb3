import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createActiveSlots, RESERVATION_GRACE_MS } from '../../../src/store/active-slots.js';
import { createJobRecords } from '../../../src/store/job-records.js';
import { xorJobSpec } from '../../helpers/specs.js';
import { createStoreFixture } from './store-fixture.js';

const f = createStoreFixture('slots');
let clock = Date.now();
const slots = createActiveSlots({ redis: f.redis, keys: f.keys, now: () => clock });
const records = createJobRecords({ redis: f.redis, reader: f.redis, keys: f.keys, config: { JOB_TTL_SECONDS: 3600 } });

afterEach(() => f.clean());
afterAll(() => f.close());

async function createdJob(tenant = 'a'): Promise<string> {
  const id = randomUUID();
  await records.create({ id, tenant, spec: xorJobSpec(id), createdAt: new Date().toISOString() });
  return id;
}

describe('ActiveSlots', () => {
  it('admits up to the cap and refuses the next one, per tenant', async () => {
    const results = [await slots.reserve('a', 'j1', 2), await slots.reserve('a', 'j2', 2), await slots.reserve('a', 'j3', 2), await slots.reserve('b', 'k1', 2)];

    expect(results).toEqual([true, true, false, true]);
  });

  it('never overshoots the cap under concurrent reservations', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => slots.reserve('a', `j${i}`, 5)));

    expect(results.filter(Boolean)).toHaveLength(5);
    expect(await f.redis.scard(f.keys.tenantActive('a'))).toBe(5);
  });

  it('has no cap at 0, and still records each slot', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => slots.reserve('a', `j${i}`, 0)));

    expect(results.every(Boolean)).toBe(true);
    expect(await f.redis.scard(f.keys.tenantActive('a'))).toBe(50);
  });

  it('frees the slot of a job that finished, when the cap is reached', async () => {
    const done = await createdJob();
    await slots.reserve('a', done, 1);
    await slots.confirm('a', done);
    await records.finish(done, 'failed', { code: 'x', message: 'y' }, new Date().toISOString());

    expect(await slots.reserve('a', 'next', 1)).toBe(true);
  });

  it('keeps a fresh reservation whose job is still being created, and drops it after the grace period', async () => {
    await slots.reserve('a', 'in-flight', 0);

    const whileCreating = await slots.count('a');
    clock += RESERVATION_GRACE_MS + 1;
    const afterGrace = await slots.count('a');

    expect(whileCreating).toBe(1);
    expect(afterGrace).toBe(0);
  });

  it('counts a confirmed queued job for as long as it is active', async () => {
    const id = await createdJob();
    await slots.reserve('a', id, 3);
    await slots.confirm('a', id);
    clock += RESERVATION_GRACE_MS + 1;

    expect(await slots.count('a')).toBe(1);
    expect(await f.redis.hlen(f.keys.tenantPending('a'))).toBe(0);
  });

  it('gives a slot back on release', async () => {
    await slots.reserve('a', 'j1', 1);

    await slots.release('a', 'j1');

    expect(await slots.reserve('a', 'j2', 1)).toBe(true);
    expect(await f.redis.hexists(f.keys.tenantPending('a'), 'j1')).toBe(0);
  });
});

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createIdempotencyKeys } from '../../../src/store/idempotency-keys.js';
import { createStoreFixture } from './store-fixture.js';

const f = createStoreFixture('idem');
const idempotency = createIdempotencyKeys({ redis: f.redis, keys: f.keys });

afterEach(() => f.clean());
afterAll(() => f.close());

describe('IdempotencyKeys', () => {
  it('reserves a key once and hands the first reservation to later callers', async () => {
    const first = await idempotency.reserve('a', 'k', { bodyDigest: 'b1', jobId: 'j1' }, 60);
    const second = await idempotency.reserve('a', 'k', { bodyDigest: 'b2', jobId: 'j2' }, 60);

    expect(first).toBeNull();
    expect(second).toEqual({ bodyDigest: 'b1', jobId: 'j1' });
  });

  it('keeps tenants’ keys apart and remembers a key for its TTL', async () => {
    await idempotency.reserve('a', 'k', { bodyDigest: 'b1', jobId: 'j1' }, 60);

    expect(await idempotency.reserve('b', 'k', { bodyDigest: 'b2', jobId: 'j2' }, 60)).toBeNull();
    const ttl = await f.redis.ttl(f.keys.tenantIdempotency('a', 'k'));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it('lets a released key be reserved afresh', async () => {
    await idempotency.reserve('a', 'k', { bodyDigest: 'b1', jobId: 'j1' }, 60);

    await idempotency.release('a', 'k');

    expect(await idempotency.reserve('a', 'k', { bodyDigest: 'b2', jobId: 'j2' }, 60)).toBeNull();
  });
});

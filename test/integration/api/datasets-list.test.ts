import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';

const KEYS = 'tenant-a:key-of-tenant-a-0123,tenant-b:key-of-tenant-b-4567';
const A = { authorization: 'Bearer key-of-tenant-a-0123' };
const B = { authorization: 'Bearer key-of-tenant-b-4567' };

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp({ TRAINYARD_API_KEYS: KEYS });
});
afterEach(async () => {
  await t.close();
});

async function upload(headers: Record<string, string>, samples: number): Promise<string> {
  const payload = JSON.stringify({ inputs: Array.from({ length: samples }, (_v, i) => [i]), targets: Array.from({ length: samples }, () => [1]) });
  const res = await t.app.inject({ method: 'POST', url: '/v1/datasets', payload, headers: { ...headers, 'content-type': 'application/json' } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

describe('GET /v1/datasets', () => {
  it('lists the tenant’s datasets newest first, page by page with nextCursor', async () => {
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) {
      ids.push(await upload(A, i));
      // Distinct creation milliseconds, so "newest first" is one order.
      await new Promise((resolve) => setTimeout(resolve, 3));
    }

    const first = (await t.app.inject({ method: 'GET', url: '/v1/datasets?limit=2', headers: A })).json();
    const second = (await t.app.inject({ method: 'GET', url: `/v1/datasets?limit=2&cursor=${first.nextCursor}`, headers: A })).json();
    const third = (await t.app.inject({ method: 'GET', url: `/v1/datasets?limit=2&cursor=${second.nextCursor}`, headers: A })).json();

    expect([...first.items, ...second.items, ...third.items].map((item: { id: string }) => item.id)).toEqual([...ids].reverse());
    expect(first.items[0]).toMatchObject({ id: ids[4], samples: 5, inputSize: 1, outputSize: 1 });
    expect(third.nextCursor).toBeNull();
  });

  it('shows no other tenant’s datasets, and forgets deleted ones', async () => {
    const mine = await upload(A, 2);
    const gone = await upload(A, 3);
    await upload(B, 4);
    await t.app.inject({ method: 'DELETE', url: `/v1/datasets/${gone}`, headers: A });

    const listA = (await t.app.inject({ method: 'GET', url: '/v1/datasets', headers: A })).json();
    const listB = (await t.app.inject({ method: 'GET', url: '/v1/datasets', headers: B })).json();

    expect(listA).toEqual({ items: [expect.objectContaining({ id: mine })], nextCursor: null });
    expect(listB.items).toHaveLength(1);
    expect(listB.items[0].id).not.toBe(mine);
  });

  it.each([
    ['a cursor it did not issue', '/v1/datasets?cursor=not-a-cursor'],
    ['a limit over 100', '/v1/datasets?limit=101'],
    ['an unknown parameter', '/v1/datasets?sort=asc'],
  ])('answers 400 validation_failed for %s', async (_label, url) => {
    const res = await t.app.inject({ method: 'GET', url, headers: A });

    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('validation_failed');
  });

  it('indexes datasets stored before the listing existed', async () => {
    const id = await upload(A, 2);
    const keys = await t.redis.keys(`*${t.config.KEY_PREFIX}*datasets-by-time*`);
    expect(keys).toHaveLength(1);
    await t.redis.del(...keys);

    const list = (await t.app.inject({ method: 'GET', url: '/v1/datasets', headers: A })).json();

    expect(list.items.map((item: { id: string }) => item.id)).toEqual([id]);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { createKeys } from '../../../src/store/keys.js';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';
import { xorSubmission } from '../../helpers/specs.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('GET /v1/jobs/{id} forkedFrom', () => {
  it('is null for a submitted job and names the source job and epoch for a fork', async () => {
    t = await buildTestApp();
    const id = (await t.app.inject({ method: 'POST', url: '/v1/jobs', payload: xorSubmission() })).json().id;
    const source = { jobId: '8d7f5a8e-0000-4000-8000-000000000000', epoch: 12 };

    const plain = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();
    // What a fork writes on its record (the fork route's store does the same).
    await t.redis.hset(createKeys(t.config.KEY_PREFIX).jobRecord(id), 'forkedFrom', JSON.stringify(source));
    const forked = (await t.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).json();

    expect(plain.forkedFrom).toBeNull();
    expect(forked.forkedFrom).toEqual(source);
  });
});

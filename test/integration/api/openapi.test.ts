import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENAPI_PATH } from '../../../openapi/generate.js';
import { buildTestApp, type TestApp } from '../../helpers/build-app.js';

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('GET /openapi.json', () => {
  it('serves exactly the committed openapi/openapi.json (run `npm run openapi` after changing a route)', async () => {
    const served = await t.app.inject({ method: 'GET', url: '/openapi.json' });

    expect(served.statusCode).toBe(200);
    expect(served.json()).toEqual(JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')));
  });

  it('documents every SPEC.md path', async () => {
    const paths = Object.keys((await t.app.inject({ method: 'GET', url: '/openapi.json' })).json().paths);

    expect(paths).toEqual(expect.arrayContaining([
      '/v1/jobs', '/v1/jobs/{id}', '/v1/jobs/{id}/metrics', '/v1/jobs/{id}/result', '/v1/jobs/{id}/cancel',
      '/v1/jobs/{id}/predict', '/v1/datasets', '/v1/datasets/{id}', '/healthz', '/readyz',
    ]));
  });

  it('serves the UI at /docs', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/docs/' });

    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
  });
});

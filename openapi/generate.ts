/**
 * `npm run openapi`: writes openapi/openapi.json, the OpenAPI document the API serves at
 * /openapi.json, built from the route schemas with the default configuration.
 */
import { writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { buildApp } from '../src/api/app.js';
import { loadConfig } from '../src/config.js';

/** The document as the server serves it with the default configuration, as formatted JSON. */
export async function renderOpenApi(): Promise<string> {
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  // Never connects: building the document needs no Redis.
  const redis = new Redis({ lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  redis.on('error', () => undefined);
  const app = await buildApp({ config, redis });
  await app.ready();
  const document = app.swagger();
  await app.close();
  redis.disconnect();
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** Where the committed document lives. */
export const OPENAPI_PATH = new URL('./openapi.json', import.meta.url);

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  writeFileSync(OPENAPI_PATH, await renderOpenApi());
  console.log(`wrote ${OPENAPI_PATH.pathname}`);
  process.exit(0);
}

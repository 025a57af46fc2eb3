/**
 * `npm run openapi`: writes openapi/openapi.json, the OpenAPI document the API serves at
 * /openapi.json, built from the route schemas with the default configuration, and
 * client/generated/openapi.d.ts, the TypeScript types of that document (openapi-typescript)
 * that the client (openapi-fetch) is typed with.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import openapiTS, { astToString } from 'openapi-typescript';
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

/**
 * The TypeScript types of a document (`paths`, `components`, `operations`, and one type per
 * named schema: `Job`, `JobSpec`, `Problem`…), as openapi-typescript writes them.
 */
export async function renderClientTypes(documentJson: string): Promise<string> {
  const ast = await openapiTS(JSON.parse(documentJson), {
    // A default is what the server fills in when a field is left out: the field stays optional.
    defaultNonNullable: false,
    rootTypes: true,
    rootTypesNoSchemaPrefix: true,
    silent: true,
  });
  return astToString(ast);
}

/** Where the committed document lives. */
export const OPENAPI_PATH = new URL('./openapi.json', import.meta.url);

/** Where the committed client types live. */
export const CLIENT_TYPES_PATH = new URL('../client/generated/openapi.d.ts', import.meta.url);

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const document = await renderOpenApi();
  writeFileSync(OPENAPI_PATH, document);
  console.log(`wrote ${fileURLToPath(OPENAPI_PATH)}`);
  mkdirSync(new URL('.', CLIENT_TYPES_PATH), { recursive: true });
  writeFileSync(CLIENT_TYPES_PATH, await renderClientTypes(document));
  console.log(`wrote ${fileURLToPath(CLIENT_TYPES_PATH)}`);
  process.exit(0);
}

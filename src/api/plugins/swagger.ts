import { isDeepStrictEqual } from 'node:util';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { DOCUMENTED_AS } from '../../contract/job-schema.js';

/** The OpenAPI document's fixed parts. */
export const OPENAPI_INFO = {
  title: 'trainyard',
  version: '1.0.0',
  description:
    'Self-hosted training-as-a-service: submit a dense neural network, its data and Adam settings; poll its status and loss curve; fetch the trained weights; predict. Errors are application/problem+json.',
  license: { name: 'UNLICENSED', identifier: 'LicenseRef-UNLICENSED' },
};

/** The OpenAPI version of the document: its schemas are JSON Schema 2020-12, as TypeBox writes them. */
export const OPENAPI_VERSION = '3.1.0';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const COMPONENT_PREFIX = '#/components/schemas/';

/** Keywords whose value is data, not a schema: never searched for named schemas. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'example', 'examples']);

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Moves every schema that has a `title` to `components.schemas[title]` and puts a `$ref` in its
 * place, innermost first (a schema annotated with {@link DOCUMENTED_AS} is shown as that schema), so each named schema (Job, JobSpec, Problem…) is written once and
 * referenced everywhere. Two different schemas with one title are a programming error: it throws.
 */
export function hoistNamedSchemas(document: JsonObject): JsonObject {
  const doc = structuredClone(document);
  const components = (isObject(doc.components) ? doc.components : (doc.components = {})) as JsonObject;
  const schemas = (isObject(components.schemas) ? components.schemas : (components.schemas = {})) as JsonObject;

  const visit = (value: Json): Json => {
    if (Array.isArray(value)) return value.map(visit);
    if (!isObject(value)) return value;
    let node = value;
    const documented = node[DOCUMENTED_AS];
    if (isObject(documented)) {
      node = {
        ...(node.title === undefined ? {} : { title: node.title }),
        ...(node.description === undefined ? {} : { description: node.description }),
        ...structuredClone(documented),
      };
    }
    for (const [key, value] of Object.entries(node)) {
      if (!DATA_KEYWORDS.has(key)) node[key] = visit(value);
    }
    const name = node.title;
    if (typeof name !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(name)) return node;
    const existing = schemas[name];
    if (existing !== undefined && !isDeepStrictEqual(existing, node)) {
      throw new Error(`two different schemas are named ${name}: give one of them another title`);
    }
    schemas[name] = node;
    return { $ref: `${COMPONENT_PREFIX}${name}` };
  };

  // Only where schemas live: the info object's `title` is not a schema.
  if (isObject(doc.paths)) doc.paths = visit(doc.paths);
  for (const [name, schema] of Object.entries({ ...schemas })) {
    if (!isObject(schema)) continue;
    for (const [key, value] of Object.entries(schema)) {
      if (!DATA_KEYWORDS.has(key)) schema[key] = visit(value);
    }
    schemas[name] = schema;
  }
  components.schemas = Object.fromEntries(Object.entries(schemas).sort(([a], [b]) => a.localeCompare(b)));
  return doc;
}

/** Registers @fastify/swagger (document from the route schemas) and the UI at `/docs`. */
export async function registerSwagger(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: OPENAPI_VERSION,
      info: OPENAPI_INFO,
      servers: [{ url: '/', description: 'this server' }],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key from TRAINYARD_API_KEYS (when it is unset, auth is off and this is not needed)' },
        },
      },
      tags: [
        { name: 'jobs', description: 'Training jobs' },
        { name: 'datasets', description: 'Uploaded datasets' },
        { name: 'usage', description: 'The tenant’s quotas and usage' },
        { name: 'webhooks', description: 'Signed notifications of job status changes' },
        { name: 'health', description: 'Liveness and readiness' },
      ],
    },
    // Always an OpenAPI document here (`openapi` is set above, never `swagger`).
    transformObject: (document) => hoistNamedSchemas((document as { openapiObject: unknown }).openapiObject as JsonObject) as never,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}

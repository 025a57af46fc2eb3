import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** The OpenAPI document's fixed parts. */
export const OPENAPI_INFO = {
  title: 'trainyard',
  version: '1.0.0',
  description:
    'Self-hosted training-as-a-service: submit a dense neural network, its data and Adam settings; poll its status and loss curve; fetch the trained weights; predict. Errors are application/problem+json.',
};

/** Registers @fastify/swagger (document from the route schemas) and the UI at `/docs`. */
export async function registerSwagger(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: OPENAPI_INFO,
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key from TRAINYARD_API_KEYS' } },
      },
      tags: [
        { name: 'jobs', description: 'Training jobs' },
        { name: 'datasets', description: 'Uploaded datasets' },
        { name: 'usage', description: 'The tenant’s quotas and usage' },
        { name: 'health', description: 'Liveness and readiness' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
}

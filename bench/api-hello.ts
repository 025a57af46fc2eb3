/**
 * The baseline of `npm run bench:api`: a bare Fastify hello-world on `HOST`:`PORT` (no logger,
 * no hooks, no schemas), started the same way as trainyard's API (`node --import tsx`, its own
 * process), so the two differ only in what trainyard does per request.
 */
import Fastify from 'fastify';

const app = Fastify();
app.get('/', async () => ({ hello: 'world' }));
await app.listen({ host: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.stdout.write('hello listening\n');
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));

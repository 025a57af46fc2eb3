/**
 * The raw-BullMQ reference of `npm run bench:api`: a child process that calls `queue.add`
 * with `CONNECTIONS` calls in flight for `DURATION_MS`, on a fail-fast connection made like the
 * API's (createProducerConnection) and with the training queue's job options and `{ jobId, tenant }`
 * data, and prints `{"adds":N,"seconds":S}` as its last line. Its queue (QUEUE_NAME) is separate
 * from the API's, so no worker ever sees these jobs.
 */
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { loadConfig } from '../src/config.js';
import { closeConnection, createProducerConnection } from '../src/queue/connection.js';
import { createKeys } from '../src/store/keys.js';

const config = loadConfig();
const inFlight = Number(process.env.CONNECTIONS ?? 100);
const durationMs = Number(process.env.DURATION_MS ?? 2000);
const warmupMs = Number(process.env.WARMUP_MS ?? 500);

const connection = createProducerConnection(config, 'trainyard-bench-add');
connection.on('error', () => undefined);
await new Promise<void>((resolve) => (connection.status === 'ready' ? resolve() : connection.once('ready', () => resolve())));
const queue = new Queue(config.QUEUE_NAME, {
  connection,
  prefix: createKeys(config.KEY_PREFIX).bullPrefix,
  // The same options as src/queue/training-queue.ts gives every training job.
  defaultJobOptions: {
    attempts: config.JOB_ATTEMPTS,
    backoff: { type: 'exponential', delay: config.JOB_BACKOFF_MS, jitter: 0.5 },
    removeOnComplete: { age: config.JOB_TTL_SECONDS, count: 10_000 },
    removeOnFail: { age: config.JOB_TTL_SECONDS, count: 10_000 },
  },
});

async function run(ms: number): Promise<{ adds: number; seconds: number }> {
  let adds = 0;
  const start = performance.now();
  const deadline = start + ms;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (performance.now() < deadline) {
      const jobId = randomUUID();
      await queue.add('train', { jobId, tenant: 'bench' }, { jobId });
      adds++;
    }
  }));
  return { adds, seconds: (performance.now() - start) / 1000 };
}

await run(warmupMs);
const result = await run(durationMs);
await queue.obliterate({ force: true }).catch(() => undefined);
await queue.close();
await closeConnection(connection);
process.stdout.write(`${JSON.stringify(result)}\n`);

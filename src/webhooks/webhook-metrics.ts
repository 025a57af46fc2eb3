import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the delivery worker counts (see {@link createWebhookMetrics}). */
export interface WebhookMetrics {
  /**
   * One attempt ended: `delivered` (2xx), `failed` (non-2xx, timeout, connection error),
   * `refused` (its address may not be reached) or `given_up` (failed, retry window over).
   */
  recordAttempt(outcome: 'delivered' | 'failed' | 'refused' | 'given_up', seconds: number): void;
}

/**
 * Registers the webhook delivery metrics on `registry` (the worker process's `/metrics`):
 * `trainyard_webhook_deliveries_total{outcome}`, `trainyard_webhook_delivery_duration_seconds`
 * (one attempt: connect, request, response) and `trainyard_webhook_queue_jobs{state}` (read from
 * the queue at scrape time). Without a registry nothing is registered and counting is a no-op.
 */
export function createWebhookMetrics(options: { registry?: Registry; queueCounts?: () => Promise<Record<string, number>> }): WebhookMetrics {
  const registers = options.registry ? [options.registry] : [];
  const deliveries = new Counter({
    name: 'trainyard_webhook_deliveries_total',
    help: 'Webhook delivery attempts by outcome (delivered, failed, refused, given_up)',
    labelNames: ['outcome'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'trainyard_webhook_delivery_duration_seconds',
    help: 'Duration of one webhook delivery attempt',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  if (options.queueCounts) {
    const queueCounts = options.queueCounts;
    new Gauge({
      name: 'trainyard_webhook_queue_jobs',
      help: 'Webhook deliveries in the queue by state (waiting, active, delayed)',
      labelNames: ['state'] as const,
      registers,
      async collect() {
        const counts = await queueCounts().catch(() => ({}) as Record<string, number>);
        for (const [state, count] of Object.entries(counts)) this.set({ state }, count);
      },
    });
  }
  return {
    recordAttempt(outcome, seconds) {
      deliveries.inc({ outcome });
      duration.observe(seconds);
    },
  };
}

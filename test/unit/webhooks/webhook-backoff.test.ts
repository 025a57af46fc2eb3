import { describe, expect, it } from 'vitest';
import { MAX_BACKOFF_MS, webhookBackoffMs } from '../../../workers/webhook-delivery.js';

describe('webhookBackoffMs', () => {
  const config = { WEBHOOK_BACKOFF_MS: 5_000, WEBHOOK_RETRY_SECONDS: 86_400 };
  const now = 1_000_000_000_000;

  it('doubles from WEBHOOK_BACKOFF_MS with equal jitter (between half and all of it)', () => {
    for (const [attemptsMade, full] of [[1, 5_000], [2, 10_000], [3, 20_000], [6, 160_000]] as const) {
      for (let i = 0; i < 50; i++) {
        const delay = webhookBackoffMs(attemptsMade, config, now, now);

        expect(delay).toBeGreaterThanOrEqual(full / 2);
        expect(delay).toBeLessThanOrEqual(full);
      }
    }
  });

  it('waits at most an hour between attempts', () => {
    expect(webhookBackoffMs(40, config, now, now)).toBeLessThanOrEqual(MAX_BACKOFF_MS);
    expect(webhookBackoffMs(40, config, now, now)).toBeGreaterThanOrEqual(MAX_BACKOFF_MS / 2);
  });

  it('never schedules an attempt past the retry window', () => {
    const nearlyOver = now + 86_400_000 - 1_000;

    expect(webhookBackoffMs(20, config, now, nearlyOver)).toBeLessThanOrEqual(1_000);
    expect(webhookBackoffMs(20, config, now, now + 86_400_000 + 5)).toBe(0);
  });
});

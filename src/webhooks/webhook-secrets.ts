import type { Redis } from 'ioredis';
import { runScript } from '../store/lua/script.js';
import { GET_WEBHOOK_SECRETS, ROTATE_WEBHOOK_SECRET } from '../store/lua/webhook-scripts.js';
import { generateWebhookSecret } from './webhook-signature.js';
import { createWebhookKeys } from './webhook-keys.js';

/** How long a rotated-out secret keeps signing next to the new one (24 h). */
export const SECRET_OVERLAP_MS = 24 * 3600 * 1000;

/** The secrets a tenant's deliveries are signed with right now, current first. */
export interface SigningSecrets {
  current: string;
  /** The previous secret while its overlap lasts, else absent. */
  previous?: string;
  /** When the previous secret stops signing (ms since the epoch). */
  previousUntil?: number;
}

/** One signing secret per tenant, kept in Redis. */
export interface WebhookSecrets {
  /** The tenant's secrets; the first call creates the current one. */
  getSecrets(tenant: string, nowMs?: number): Promise<SigningSecrets>;
  /** Replaces the current secret with a new one; the old one signs too for {@link SECRET_OVERLAP_MS}. */
  rotate(tenant: string, nowMs?: number): Promise<SigningSecrets>;
}

function toSecrets(reply: Array<string | null>, nowMs: number): SigningSecrets {
  const [current, previous, until] = reply;
  const previousUntil = until === null ? Number.NaN : Number(until);
  if (previous && previousUntil > nowMs) return { current: current!, previous, previousUntil };
  return { current: current! };
}

/** Creates the secret store on `redis` under `KEY_PREFIX`. */
export function createWebhookSecrets(options: { redis: Redis; config: { KEY_PREFIX: string } }): WebhookSecrets {
  const { redis } = options;
  const keys = createWebhookKeys(options.config.KEY_PREFIX);
  return {
    async getSecrets(tenant, nowMs = Date.now()) {
      const reply = await runScript<Array<string | null>>(redis, GET_WEBHOOK_SECRETS, [keys.tenantSecret(tenant)], [generateWebhookSecret(), String(nowMs)]);
      return toSecrets(reply, nowMs);
    },
    async rotate(tenant, nowMs = Date.now()) {
      const reply = await runScript<Array<string | null>>(redis, ROTATE_WEBHOOK_SECRET, [keys.tenantSecret(tenant)], [generateWebhookSecret(), String(nowMs), String(SECRET_OVERLAP_MS)]);
      return toSecrets(reply, nowMs);
    },
  };
}

/** The secrets to sign with, current first. */
export function signingSecretList(secrets: SigningSecrets): string[] {
  return secrets.previous ? [secrets.current, secrets.previous] : [secrets.current];
}

import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): a secret is `whsec_` followed
 * by the base64 of the key bytes; a signature is `v1,` followed by the base64 of
 * HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>"). Several signatures (during a
 * secret rotation) are sent space-separated in one `webhook-signature` header.
 */

/** Prefix of a secret in its text form. */
export const SECRET_PREFIX = 'whsec_';

/** Bytes of a new secret's key (the specification allows 24 to 64). */
const SECRET_KEY_BYTES = 32;

/** A new random secret, `whsec_<base64 of 32 random bytes>`. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_KEY_BYTES).toString('base64');
}

/**
 * The key bytes of a secret: the base64-decoded part after `whsec_`.
 * @throws Error when the secret is not `whsec_<base64>`.
 */
export function decodeWebhookSecret(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('a webhook secret starts with whsec_');
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  if (key.length === 0) throw new Error('a webhook secret carries a base64 key after whsec_');
  return key;
}

/** What is signed: the message id, the attempt's unix time in seconds and the exact body. */
export interface SignedContent {
  /** `webhook-id`: the same for every attempt of one message (receivers de-duplicate on it). */
  id: string;
  /** `webhook-timestamp`: unix seconds of this attempt. */
  timestamp: number;
  /** The request body, byte for byte as sent. */
  body: string;
}

/** One signature, `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export function signWebhook(secret: string, content: SignedContent): string {
  const mac = createHmac('sha256', decodeWebhookSecret(secret)).update(`${content.id}.${content.timestamp}.${content.body}`).digest('base64');
  return `v1,${mac}`;
}

/**
 * The three Standard Webhooks headers of one attempt, signed with every given secret (the
 * current one first; the previous one too while a rotation's overlap lasts).
 */
export function webhookHeaders(secrets: readonly string[], content: SignedContent): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': content.id,
    'webhook-timestamp': String(content.timestamp),
    'webhook-signature': secrets.map((secret) => signWebhook(secret, content)).join(' '),
  };
}

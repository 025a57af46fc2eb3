import type { JobSpec } from '../contract/job.js';
import { classifyAddress, classifyHostName } from './webhook-address.js';

/** Events a job's webhook can ask for (`webhook.events`). */
export const WEBHOOK_EVENTS = ['started', 'progress', 'paused', 'completed', 'failed', 'cancelled'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Events sent when `webhook.events` is omitted: every one but `progress`. */
export const DEFAULT_WEBHOOK_EVENTS: readonly WebhookEvent[] = ['started', 'paused', 'completed', 'failed', 'cancelled'];

/** A job's webhook as stored with its spec. */
export interface JobWebhook {
  url: string;
  events: WebhookEvent[];
}

/** `webhook` of a submit body, as the schema admits it. */
export interface WebhookSubmission {
  url: string;
  events?: WebhookEvent[];
}

/** A field problem (`path` is a JSON Pointer into the submit body). */
export interface WebhookProblem {
  path: string;
  message: string;
}

/**
 * Semantic checks of a submitted `webhook` (the schema has checked its shape): an absolute
 * `https` URL (`http` only with `WEBHOOK_ALLOW_PRIVATE=true`), no credentials in it, and no
 * literal loopback, private, link-local, CGNAT, multicast or metadata address (or `localhost`).
 * Host names are resolved only at delivery time, where they are checked again.
 * @returns the problems, empty when the webhook is acceptable (or absent).
 */
export function checkJobWebhook(webhook: WebhookSubmission | undefined | null, config: { WEBHOOK_ALLOW_PRIVATE: boolean }): WebhookProblem[] {
  if (!webhook) return [];
  const path = '/webhook/url';
  let url: URL;
  try {
    url = new URL(webhook.url);
  } catch {
    return [{ path, message: 'must be an absolute URL' }];
  }
  const allowPrivate = config.WEBHOOK_ALLOW_PRIVATE;
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allowPrivate)) {
    return [{ path, message: allowPrivate ? 'must be an https:// or http:// URL' : 'must be an https:// URL' }];
  }
  if (url.username || url.password) return [{ path, message: 'must not carry credentials; receivers verify the webhook-signature header instead' }];
  if (allowPrivate) return [];
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let blocked;
  try {
    blocked = /^[\d.]+$/.test(host) || host.includes(':') ? classifyAddress(host) : classifyHostName(host);
  } catch {
    return [{ path, message: 'has an invalid host' }];
  }
  if (blocked) return [{ path, message: `must not point at a ${blocked} address (${host})` }];
  return [];
}

/** A spec as stored: the normalised spec plus its `webhook`, when it has one. */
export type JobSpecWithWebhook = JobSpec & { webhook?: JobWebhook };

/** Adds the normalised `webhook` (events defaulted) to a normalised spec. */
export function withJobWebhook<S extends JobSpec>(spec: S, webhook: WebhookSubmission | undefined | null): S & { webhook?: JobWebhook } {
  if (!webhook) return spec;
  const events = webhook.events && webhook.events.length > 0 ? [...new Set(webhook.events)] : [...DEFAULT_WEBHOOK_EVENTS];
  return { ...spec, webhook: { url: webhook.url, events } };
}

/** The webhook of a stored spec, or `null`. */
export function jobWebhookOf(spec: JobSpec | null): JobWebhook | null {
  const webhook = (spec as JobSpecWithWebhook | null)?.webhook;
  return webhook && typeof webhook.url === 'string' && Array.isArray(webhook.events) ? webhook : null;
}

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { classifyAddress, createGuardedLookup, WebhookAddressRefusedError, type ResolveAll } from './webhook-address.js';

/** At most this much of a receiver's answer is read; the rest is dropped with the connection. */
export const MAX_RESPONSE_BYTES = 64 * 1024;

/** Options of {@link postWebhook}. */
export interface PostWebhookOptions {
  url: string;
  /** The JSON body, exactly as signed. */
  body: string;
  /** The Standard Webhooks headers of this attempt. */
  headers: Record<string, string>;
  /** The whole attempt (connect, send, answer) must end within this (`WEBHOOK_TIMEOUT_MS`). */
  timeoutMs: number;
  /** `WEBHOOK_ALLOW_PRIVATE`: http:// and private addresses allowed (development). */
  allowPrivate: boolean;
  /** Resolver of host names. @defaultValue the system's (`dns.lookup`) */
  resolveAll?: ResolveAll;
}

/** How one attempt ended. */
export interface PostWebhookOutcome {
  /** `true` for a 2xx answer. */
  ok: boolean;
  /** `true` when the address was refused (no connection was made). */
  refused: boolean;
  /** The receiver's status, when it answered. */
  responseStatus?: number;
  /** Why it failed, for the delivery log. */
  error?: string;
}

/**
 * POSTs one signed webhook. Never follows redirects (a 3xx is a failed attempt), reads at most
 * {@link MAX_RESPONSE_BYTES} of the answer, and refuses, without connecting, a URL whose host is
 * or resolves to a loopback, private, link-local, CGNAT, multicast or metadata address (unless
 * `allowPrivate`): the check runs in the socket's `lookup`, on the very addresses it connects to.
 * It never throws: every failure is an outcome.
 */
export function postWebhook(options: PostWebhookOptions): Promise<PostWebhookOutcome> {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    return Promise.resolve({ ok: false, refused: true, error: 'refused: not an absolute URL' });
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && options.allowPrivate)) {
    return Promise.resolve({ ok: false, refused: true, error: `refused: ${url.protocol}// URLs are not allowed (https only)` });
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!options.allowPrivate && (/^[\d.]+$/.test(host) || host.includes(':'))) {
    // Literal addresses never reach `lookup`: check them here.
    let blocked;
    try {
      blocked = classifyAddress(host);
    } catch {
      return Promise.resolve({ ok: false, refused: true, error: `refused: invalid host ${host}` });
    }
    if (blocked) return Promise.resolve({ ok: false, refused: true, error: new WebhookAddressRefusedError(host, host, blocked).message });
  }

  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: PostWebhookOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, {
      method: 'POST',
      headers: {
        ...options.headers,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(options.body),
        'user-agent': 'trainyard-webhooks/1',
      },
      // A fresh connection per attempt, so every connection goes through the guarded lookup.
      agent: false,
      lookup: createGuardedLookup({ allowPrivate: options.allowPrivate, ...(options.resolveAll ? { resolveAll: options.resolveAll } : {}) }) as never,
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish({ ok: false, refused: false, error: `timed out after ${options.timeoutMs} ms` });
    }, options.timeoutMs);
    req.on('error', (err: Error) => {
      if (err instanceof WebhookAddressRefusedError) finish({ ok: false, refused: true, error: err.message });
      else finish({ ok: false, refused: false, error: `${(err as NodeJS.ErrnoException).code ?? err.name}: ${err.message}` });
    });
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      let read = 0;
      const done = (): void => {
        let error: string | undefined;
        if (!ok) {
          error = status >= 300 && status < 400
            ? `HTTP ${status}: redirects are not followed${res.headers.location ? ` (to ${String(res.headers.location).slice(0, 200)})` : ''}`
            : `HTTP ${status}`;
        }
        finish({ ok, refused: false, responseStatus: status, ...(error ? { error } : {}) });
      };
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read >= MAX_RESPONSE_BYTES) {
          // Enough: the status is all that counts; drop the rest with the connection.
          res.destroy();
          req.destroy();
          done();
        }
      });
      res.on('end', done);
      res.on('error', done);
      res.on('close', done);
    });
    req.end(options.body);
  });
}

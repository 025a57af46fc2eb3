import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { decodeWebhookSecret, generateWebhookSecret, signWebhook, webhookHeaders } from '../../../src/webhooks/webhook-signature.js';

// The example of the Standard Webhooks specification and its reference libraries' tests.
const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('signWebhook', () => {
  it('reproduces the published Standard Webhooks example signature', () => {
    const signature = signWebhook(VECTOR.secret, VECTOR);

    expect(signature).toBe(VECTOR.signature);
  });

  it('produces headers the standardwebhooks library verifies', () => {
    const secret = generateWebhookSecret();
    const body = JSON.stringify({ type: 'job.completed', timestamp: new Date().toISOString(), data: { id: 'x' } });
    const headers = webhookHeaders([secret], { id: 'msg_abc', timestamp: Math.floor(Date.now() / 1000), body });

    const verified = new Webhook(secret).verify(body, headers);

    expect(verified).toEqual(JSON.parse(body));
  });

  it('sends one signature per secret, space-separated, each verifiable on its own', () => {
    const [current, previous] = [generateWebhookSecret(), generateWebhookSecret()];
    const body = '{"type":"job.started"}';
    const headers = webhookHeaders([current, previous], { id: 'msg_two', timestamp: Math.floor(Date.now() / 1000), body });

    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toEqual({ type: 'job.started' });
    expect(new Webhook(previous).verify(body, headers)).toEqual({ type: 'job.started' });
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow();
  });
});

describe('generateWebhookSecret', () => {
  it('is whsec_ and the base64 of 32 random bytes', () => {
    const secret = generateWebhookSecret();

    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(decodeWebhookSecret(secret)).toHaveLength(32);
    expect(generateWebhookSecret()).not.toBe(secret);
  });
});

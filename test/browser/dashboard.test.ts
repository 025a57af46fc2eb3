import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../src/api/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startWorker, type WorkerHandle } from '../../workers/main.js';
import { xorSubmission } from '../helpers/specs.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(process.cwd(), 'test-artifacts');
const KEY = 'browser-test-key-0123456789';
const EPOCHS = 400;
const haveChromium = existsSync(CHROMIUM);

if (!haveChromium) {
  console.warn(`test/browser/dashboard.test.ts: skipped because ${CHROMIUM} is missing (install it with: apt-get install -y chromium)`);
}

describe.skipIf(!haveChromium)(`dashboard in ${CHROMIUM} (skipped when it is not installed: apt-get install -y chromium)`, () => {
  let config: Config;
  let app: FastifyInstance;
  let worker: WorkerHandle | undefined;
  let browser: Browser;
  let url: string;

  beforeAll(async () => {
    const id = randomUUID().slice(0, 8);
    config = loadConfig({
      REDIS_URL: inject('redisUrl'),
      KEY_PREFIX: `tyb-${id}`,
      QUEUE_NAME: `qb-${id}`,
      LOG_LEVEL: 'silent',
      TRAINYARD_API_KEYS: `browser:${KEY}`,
      RATE_LIMIT_ENABLED: 'false',
      // Two threads: the fork trains while its source (resumed) still runs.
      WORKER_CONCURRENCY: '2',
      METRICS_FLUSH_INTERVAL_MS: '100',
      ENABLE_TEST_HOOKS: 'true',
      // A shared box stalls the event loop now and then; overload shedding is tested on its own.
      MAX_EVENT_LOOP_DELAY_MS: '0',
    });
    app = await buildApp({ config });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await worker?.close();
    await app?.close();
  });

  it('shows a submitted job and its loss curve growing live, after the key is entered once', async () => {
    const submitted = await fetch(`${url}/v1/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(xorSubmission({ name: 'browser xor demo', training: { epochs: EPOCHS, batchSize: 4, shuffle: true, seed: 7, validationSplit: 0, earlyStopping: null, precision: 'float32' } })),
    });
    expect(submitted.status, await submitted.clone().text()).toBe(202);
    const jobId = ((await submitted.json()) as { id: string }).id;
    // Pace the epochs (a test-only hook the worker honours with ENABLE_TEST_HOOKS) so a human,
    // and this test, can watch the curve grow instead of seeing a finished job.
    const { Queue } = await import('bullmq');
    const { Redis } = await import('ioredis');
    const connection = new Redis(config.REDIS_URL!, { maxRetriesPerRequest: null });
    const queue = new Queue(config.QUEUE_NAME, { connection, prefix: `{${config.KEY_PREFIX}}` });
    const job = await queue.getJob(jobId);
    await job!.updateData({ ...job!.data, testHooks: { epochDelayMs: 20 } });
    await queue.close();
    await connection.quit();
    worker = await startWorker({ config, log: createLogger(config) });

    const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    await page.goto(`${url}/dashboard`);

    await page.locator('#key-input').fill(KEY);
    await page.locator('#key-form button[type=submit]').click();
    const row = page.locator(`#jobs tbody tr[data-job-id="${jobId}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.locator('td.name').textContent()).toBe('browser xor demo');
    expect(await page.evaluate('sessionStorage.getItem("trainyard.apiKey")')).toBe(KEY);
    expect(await page.locator('#key-panel').isVisible()).toBe(false);

    const plotted = async (): Promise<number> => Number(await page.locator('#chart').getAttribute('data-plotted') ?? 0);
    await expect.poll(plotted, { timeout: 20_000 }).toBeGreaterThan(5);
    const early = await plotted();
    await expect.poll(plotted, { timeout: 20_000 }).toBeGreaterThan(early + 20);
    const later = await plotted();
    await expect.poll(async () => page.locator('#job-status').textContent(), { timeout: 30_000 }).toBe('completed').catch(async (error: unknown) => {
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'dashboard-failure.png'), fullPage: true });
      console.log(await page.locator('#stream-state').textContent(), await plotted(), await page.locator('#job-detail').textContent(), problems);
      throw error;
    });
    await expect.poll(plotted, { timeout: 5_000 }).toBe(EPOCHS);
    // The list refreshes on its own (every 2 s) and catches up with the stream.
    await expect.poll(async () => row.getAttribute('data-status'), { timeout: 10_000 }).toBe('completed');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });

    await page.locator('#log-scale').check();
    await expect.poll(plotted, { timeout: 5_000 }).toBe(EPOCHS);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-log-scale.png'), fullPage: true });

    expect(early).toBeGreaterThan(0);
    expect(later).toBeGreaterThan(early);
    expect(await page.locator('#chart canvas').count()).toBeGreaterThan(0);
    expect(await page.locator('#stream-state').textContent()).toContain(`${EPOCHS} points`);
    expect(problems).toEqual([]);
  });

  it('pauses, resumes and forks a job from its buttons, overlays the two curves and sorts by learning rate, at 1,000 px wide', async () => {
    const auth = { authorization: `Bearer ${KEY}` };
    const getJob = async (id: string): Promise<any> => (await fetch(`${url}/v1/jobs/${id}`, { headers: auth })).json();
    // Iris one sample a batch for 20,000 epochs (3 million steps): still running when the buttons
    // are clicked, and cross-entropy reports accuracy.
    const long = await fetch(`${url}/v1/jobs`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'browser iris run',
        model: { inputSize: 4, layers: [{ units: 16, activation: 'relu' }, { units: 3, activation: 'softmax' }] },
        loss: 'cross_entropy',
        optimizer: { type: 'adam', learningRate: 0.02 },
        training: { epochs: 20_000, batchSize: 1, seed: 3 },
        data: { builtin: 'iris' },
      }),
    });
    expect(long.status, await long.clone().text()).toBe(202);
    const sourceId = ((await long.json()) as { id: string }).id;
    worker ??= await startWorker({ config, log: createLogger(config) });
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(`${url}/dashboard#job=${sourceId}`);
    await page.locator('#key-input').fill(KEY);
    await page.locator('#key-form button[type=submit]').click();
    const status = async (): Promise<string | null> => page.locator('#job-status').textContent();
    await expect.poll(status, { timeout: 30_000 }).toBe('running');
    await expect.poll(async () => Number(await page.locator('#acc-chart').getAttribute('data-plotted')), { timeout: 20_000 }).toBeGreaterThan(0);
    expect(await page.locator('#acc-block').isVisible()).toBe(true);

    await page.locator('#pause').click();
    await expect.poll(status, { timeout: 30_000 }).toBe('paused');
    const pausedEpoch = (await getJob(sourceId)).progress.epoch as number;
    expect(await page.locator('#pause').isDisabled()).toBe(true);
    await page.locator('#resume').click();
    await expect.poll(status, { timeout: 30_000 }).toBe('running');

    await page.locator('#fork').click();
    await page.locator('#fork-epochs').fill('30');
    await page.locator('#fork-lr').fill('0.005');
    await page.locator('#fork-name').fill('browser fork');
    await page.locator('#fork-form button[type=submit]').click();
    await expect.poll(async () => page.locator('#job-name').textContent(), { timeout: 15_000 }).toBe('browser fork').catch(async (error: unknown) => {
      console.log('fork did not show:', await page.locator('#action-state').textContent(), await page.locator('#jobs-error').textContent());
      throw error;
    });
    await expect.poll(async () => page.locator('#compare-chart').getAttribute('data-series'), { timeout: 15_000 }).toBe('2');
    await expect.poll(status, { timeout: 60_000 }).toBe('completed');
    const forkId = await page.locator('#jobs tbody tr', { hasText: 'browser fork' }).getAttribute('data-job-id');
    const fork = await getJob(forkId!);
    expect(fork.forkedFrom.jobId).toBe(sourceId);
    expect(fork.forkedFrom.epoch).toBeGreaterThanOrEqual(pausedEpoch);
    expect(fork.hyperparameters).toEqual({ layers: '4-16-3', learningRate: 0.005, batchSize: 1 });
    expect(await page.locator('#compare-chart canvas').count()).toBeGreaterThan(0);
    // A completed job forks from its final state: the button stays enabled and offers as many epochs again.
    expect(await page.locator('#fork').isEnabled()).toBe(true);
    await page.locator('#fork').click();
    expect(await page.locator('#fork-epochs').inputValue()).toBe(String(fork.progress.epochs));
    await page.locator('#fork-close').click();

    await page.locator('#jobs th[data-sort="learningRate"]').click();
    const rates = (await page.locator('#jobs tbody td.lr').allTextContents()).filter((text) => text !== '–').map(Number);
    expect(rates).toEqual([...rates].sort((a, b) => a - b));
    expect(rates).toContain(0.005);
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1000);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-controls.png'), fullPage: true });

    await page.locator(`#jobs tbody tr[data-job-id="${sourceId}"] td.name`).click();
    await expect.poll(status, { timeout: 15_000 }).toBe('running');
    await page.locator('#cancel').click();
    await expect.poll(status, { timeout: 30_000 }).toBe('cancelled');
    expect(problems).toEqual([]);
  }, 240_000);
});

import { dirname } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Config } from '../../config.js';

/** Options of {@link dashboardPlugin}. */
export interface DashboardPluginOptions {
  config: Pick<Config, 'authEnabled'>;
}

const PUBLIC_DIR = fileURLToPath(new URL('../../../public/dashboard/', import.meta.url));
const require = createRequire(import.meta.url);
const UPLOT_DIR = dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
/** The only files served from uPlot's package. */
const UPLOT_FILES = new Set(['/uPlot.iife.min.js', '/uPlot.min.css']);

// The page loads nothing from elsewhere and runs no inline script.
const DASHBOARD_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

function setAssetHeaders(reply: FastifyReply, path: string): void {
  // Revalidated on every load (ETag → 304), so a new deploy shows at once.
  reply.header('cache-control', 'no-cache').header('x-content-type-options', 'nosniff');
  // RFC 9239: JavaScript is text/javascript (the mime table still says application/javascript).
  if (path.endsWith('.js')) reply.header('content-type', 'text/javascript; charset=utf-8');
  if (path.endsWith('.html')) reply.header('content-security-policy', DASHBOARD_CSP).header('referrer-policy', 'no-referrer');
}

/**
 * The dashboard, served with `@fastify/static`: `GET /dashboard` (the page), its script and
 * style under `/dashboard/`, uPlot from `node_modules` under `/dashboard/vendor/`, and
 * `/dashboard/config.json` (whether the page must ask for an API key). `GET /` redirects to the
 * dashboard. No route here needs a key: the page asks for one before its first `/v1` call.
 */
export const dashboardPlugin: FastifyPluginAsync<DashboardPluginOptions> = async (app, options) => {
  const common = { index: false as const, cacheControl: false, dotfiles: 'ignore' as const, setHeaders: setAssetHeaders };
  await app.register(fastifyStatic, { ...common, root: PUBLIC_DIR, prefix: '/dashboard/' });
  await app.register(fastifyStatic, {
    ...common,
    root: UPLOT_DIR,
    prefix: '/dashboard/vendor/',
    decorateReply: false,
    allowedPath: (pathName) => UPLOT_FILES.has(pathName),
  });

  app.get('/', {
    schema: {
      tags: ['health'],
      operationId: 'redirectToDashboard',
      summary: 'The service root: redirects to the dashboard',
      security: [],
      response: {
        302: { description: 'Found: the dashboard is at /dashboard', headers: { location: { type: 'string', description: '/dashboard' } }, type: 'null' },
      },
    },
  }, async (_request, reply) => reply.redirect('/dashboard', 302));
  app.get('/dashboard', { schema: { hide: true } }, async (_request, reply) => reply.sendFile('index.html'));
  app.get('/dashboard/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/dashboard'));
  // What the page needs to know before its first API call: whether to ask for a key.
  const { authEnabled } = options.config;
  app.get('/dashboard/config.json', { schema: { hide: true } }, async (_request, reply) =>
    reply.header('cache-control', 'no-store').send({ authEnabled }));
};

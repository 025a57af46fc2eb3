/**
 * Moved to `src/observability/worker-metrics.ts`, which `workers/` may import. This re-export
 * keeps older imports working until every importer uses the new path; then it goes.
 */
export * from '../../observability/worker-metrics.js';

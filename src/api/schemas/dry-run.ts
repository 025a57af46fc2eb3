import { Type } from '@sinclair/typebox';

/** One limit of a dry run: the setting, this job's value, its maximum. */
const PlannedLimit = Type.Object(
  {
    name: Type.String({ description: 'the setting that holds the limit, e.g. MAX_PARAMETERS' }),
    value: Type.Number({ description: 'this job’s value' }),
    max: Type.Number({ description: 'the limit' }),
  },
  { title: 'PlannedLimit', additionalProperties: false },
);

/** The workers' measured training speed a dry run's estimate rests on. */
const Throughput = Type.Object(
  {
    flopsPerSecond: Type.Number({ description: 'training FLOP/s of the kernel set on the calibration network' }),
    secondsPerStep: Type.Number({ description: 'seconds one optimizer step costs beyond its FLOPs' }),
    secondsPerJob: Type.Number({ description: 'seconds a job costs beyond its steps (pickup, thread start, data load, final writes)' }),
    kernels: Type.String({ description: 'the kernel set measured; "default" until a worker has measured one' }),
    measuredAt: Type.String({ format: 'date-time' }),
  },
  { title: 'Throughput', additionalProperties: false },
);

/** POST /v1/jobs?dryRun=true: what the job will cost; nothing is stored or queued. */
export const DryRun = Type.Object(
  {
    parameters: Type.Integer({ description: 'Σ in×out + out over the layers' }),
    flops: Type.Number({ description: 'floating-point operations of the whole run: 6 per weight per training sample, 2 per validation sample, every epoch' }),
    steps: Type.Integer({ description: 'optimizer steps of the whole run' }),
    memoryBytes: Type.Integer({ description: 'the memory estimate checked against MAX_MEMORY_BYTES' }),
    estimatedSeconds: Type.Number({ description: 'secondsPerJob + steps × secondsPerStep + flops / flopsPerSecond' }),
    limits: Type.Array(PlannedLimit, { description: 'every limit the job is checked against' }),
    throughput: Throughput,
  },
  { title: 'DryRun', additionalProperties: false },
);

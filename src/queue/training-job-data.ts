/**
 * Test-only fault injection, honoured only when the worker runs with `ENABLE_TEST_HOOKS=true`
 * (the worker drops it otherwise; the API never sets it).
 */
export interface TestHooks {
  /** Throw a plain (non-engine) error at the end of this epoch. */
  throwAtEpoch?: number;
  /** Exit the thread (as a crash would) at the end of this epoch. */
  crashAtEpoch?: number;
  /** Allocate JS objects without bound from this epoch on (heap exhaustion → out_of_memory). */
  allocateAtEpoch?: number;
  /** Make the data NaN before this epoch (≥ 2), so its first batch's loss diverges. */
  nanAtEpoch?: number;
  /** Sleep this long after every epoch (slows a job down without changing its numbers). */
  epochDelayMs?: number;
  /** Stop (as a handback, sending a checkpoint) right after this epoch: resume tests. */
  stopAfterEpoch?: number;
}

/**
 * BullMQ job data of a training job: ids only. The spec and the dataset stay in the job store
 * (datasets are never copied into BullMQ job data, which Redis keeps in clear text).
 */
export interface TrainingJobData {
  /** Our public UUID; also the BullMQ job id. */
  jobId: string;
  tenant: string;
  /** Honoured only with `ENABLE_TEST_HOOKS=true`; the API never sets it. */
  testHooks?: TestHooks;
}

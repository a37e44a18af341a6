export { type Backoff, backoffDelay } from './backoff.ts';
export { type PeriodicJob, type PeriodicJobOptions, startPeriodicJob } from './periodic-job.ts';

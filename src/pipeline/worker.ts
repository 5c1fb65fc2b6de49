/**
 * A pool worker's module: its handler is the task runner of worker-runner.ts, set up with the
 * pool's workerData (the policy compiled here, before the first task).
 */
import { workerData } from 'piscina';
import type { WorkerSetup } from './protocol.js';
import { taskRunner } from './worker-runner.js';

export default taskRunner(workerData as WorkerSetup);

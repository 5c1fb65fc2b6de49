/**
 * What the pool loads in each worker. The pool `require`s its handler file first; given the ES
 * module itself, Node 20 loads it through `require(esm)`, which now and then aborts the process in
 * its module linker (an assertion in `loadESMFromCJS`). This CommonJS file is required instead: its
 * `default` is the worker's handler, loaded with a dynamic `import()`, which the pool awaits before
 * it reports the worker ready, so the policy is still compiled before the first task.
 */
import type { WorkerTask } from './protocol.js';

type Handler = (t: WorkerTask) => unknown;

// `__esModule`: the pool reads `default` of what it requires as it is, not of a wrapper around it.
export = { __esModule: true, default: import('./worker.js').then((m: { default: Handler }) => m.default) };

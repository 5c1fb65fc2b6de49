/**
 * Lambda entry of the Firehose data-transformation handler (`firehose-transform.handler`). Init reads the
 * environment (see env.ts), compiles the policy and fetches the data keys once; warm invocations
 * reuse them.
 */
import { bootHandler } from './boot.js';
import { createTransformHandler } from './transform.js';

/** The function's handler. */
export const handler = await bootHandler('firehose-transform', createTransformHandler, process.env);

/**
 * Lambda entry of the Kinesis Data Streams handler (`kinesis.handler`). Init reads the
 * environment (see env.ts), compiles the policy and fetches the data keys once; warm invocations
 * reuse them.
 */
import { bootHandler } from './boot.js';
import { createKinesisHandler } from './kinesis-stream.js';

/** The function's handler. */
export const handler = await bootHandler('kinesis', createKinesisHandler, process.env);

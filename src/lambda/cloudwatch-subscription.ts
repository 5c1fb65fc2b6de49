/**
 * Lambda entry of the CloudWatch Logs subscription handler (`cloudwatch-subscription.handler`). Init reads the
 * environment (see env.ts), compiles the policy and fetches the data keys once; warm invocations
 * reuse them.
 */
import { bootHandler } from './boot.js';
import { createSubscriptionHandler } from './subscription.js';

/** The function's handler. */
export const handler = await bootHandler('cloudwatch-subscription', createSubscriptionHandler, process.env);

/**
 * Cold start of a handler: read and validate the environment (every problem at once), open the
 * runtime (compile the policy, wire keys and streams), build the handler. The entry modules call
 * it with top-level await, so a bad configuration fails the function's init, not an invocation.
 */
import { loadLambdaConfig, type HandlerKind } from './env.js';
import { openLambdaRuntime, type LambdaDeps, type LambdaRuntime } from './runtime.js';

/**
 * @throws LambdaConfigError listing every problem of the environment; PolicyError for invalid packs.
 */
export async function bootHandler<H>(
  kind: HandlerKind,
  create: (rt: LambdaRuntime) => H,
  env: Readonly<Record<string, string | undefined>>,
  deps: LambdaDeps = {},
): Promise<H> {
  const config = loadLambdaConfig(env, kind);
  return create(await openLambdaRuntime(config, deps));
}

// @ts-check
/** Where the built CLI is, and the node flags it runs with, for the modules that start it without loading the library. */
import { fileURLToPath } from 'node:url';
import { CLI_ENV, CLI_NODE_FLAGS } from '../../dist/cli/node-flags.js';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** `node` arguments that start the CLI as its first line does: its flags, then the script. */
export const CLI_NODE_ARGS = Object.freeze([...CLI_NODE_FLAGS, CLI]);

/** The environment a process that starts the CLI gives it, `env` (its own) with what the CLI's first line sets. @param {NodeJS.ProcessEnv} env */
export function cliEnv(env) {
  return { ...env, ...CLI_ENV };
}

// @ts-check
/** Where the built CLI is, for the modules that start it without loading the library. */
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

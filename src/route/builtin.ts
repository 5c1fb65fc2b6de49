/**
 * Where the routing rules that ship with logveil live.
 */
import { join } from 'node:path';
import { builtinPatternsDir } from '../config/config.js';

/** The built-in routing packs: `patterns/routing/`. */
export function builtinRoutingDir(): string {
  return join(builtinPatternsDir(), 'routing');
}

/**
 * Run by `npm run build` after the compiler: records what every YAML file under the built-in
 * patterns directory loads to, and the default policy's pattern analyses and literal automaton
 * and its hash (see spec-cache.ts). A pack with problems is left out (a run reports them); so are the analyses
 * and the automaton when the default policy does not load.
 */
import { readFileSync, rmSync } from 'node:fs';
import { PolicyError } from '../errors.js';
import { CompiledPolicy } from '../detect/compile.js';
import { sharedAnalyses } from '../detect/literals.js';
import { sharedAutomata } from '../detect/shared-automata.js';
import { listPackFiles, loadPackText, loadPolicy } from '../detect/load.js';
import { CompiledRouting } from '../route/compile.js';
import { loadRoutingRules, loadRoutingText } from '../route/load.js';
import { builtinPatternsDir, loadConfig } from './config.js';
import { automataFileOf, hashEntry, packFilesUnder, SPEC_CACHE_URL, writeSpecCache } from './spec-cache.js';

// The last build's cache must not answer for this build's loader.
rmSync(SPEC_CACHE_URL, { force: true });
rmSync(automataFileOf(SPEC_CACHE_URL), { force: true });
// The default policy compiled once, as a run compiles it: its pattern analyses and literal automaton go into the cache.
const defaults = loadConfig(undefined, {});
let analyses: ReturnType<typeof sharedAnalyses> = [];
let automata: ReturnType<typeof sharedAutomata> = [];
const hashes: Array<[string, string]> = [];
try {
  const routing = new CompiledRouting(loadRoutingRules(defaults.routing.patterns));
  const spec = loadPolicy(defaults.patterns);
  new CompiledPolicy(spec, { maxDepth: defaults.limits.maxDepth, extraLinePatterns: routing.linePatterns });
  analyses = sharedAnalyses();
  automata = sharedAutomata();
  hashes.push(hashEntry('pack', listPackFiles(defaults.patterns).map((f) => readFileSync(f, 'utf8')), spec.hash));
} catch (err) {
  if (!(err instanceof PolicyError)) throw err;
  process.stdout.write(`spec cache: the default policy has ${err.problems.length} problem(s) (a run lists them); no analyses cached\n`);
}
const files = packFilesUnder(builtinPatternsDir());
const written = writeSpecCache(files, { pack: loadPackText, routing: loadRoutingText }, { analyses, automata, hashes });
process.stdout.write(`spec cache: ${written} of ${files.length} pack files\n`);

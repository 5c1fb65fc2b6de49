// @ts-check
/**
 * Command-line options of `npm run bench`. `--quick` changes the defaults (not what is passed).
 */
import { fileURLToPath } from 'node:url';
import { parseSize } from '../generate.mjs';

/**
 * @typedef {object} BenchOptions
 * @property {boolean} quick
 * @property {number} size bytes of the main JSON-lines corpus
 * @property {number} scaleSize bytes of each corpus of the scaling curves and corpus variants
 * @property {number} rssSize bytes of the peak-RSS input
 * @property {number} rounds timed rounds per measurement (after one warm-up)
 * @property {number} seed
 * @property {number} roundBudgetSec a round that would take longer runs on a prefix of the corpus
 * @property {number} warmupBytes the warm-up runs on at most this prefix
 * @property {boolean} rss
 * @property {boolean} competitors
 * @property {boolean} cli
 * @property {boolean} scaling
 * @property {string} outDir
 * @property {string} dataDir
 * @property {string | undefined} label written into the results (e.g. a commit)
 */

const HELP = `usage: npm run bench -- [options]

  --quick               20 MB corpus, 1 round, small curves, no 1 GB RSS run (about a minute)
  --size <S>            main JSON-lines corpus (default 200MB; quick 20MB; 1 MB = 10^6 bytes)
  --scale-size <S>      corpus of each scaling point and corpus variant (default min(size, 50MB); quick min(size, 8MB))
  --rss-size <S>        input of the peak-RSS run (default 1GB)
  --rounds <N>          timed rounds after one warm-up (default 3; quick 1); the median is reported
  --seed <N>            generator seed (default 42)
  --round-budget <sec>  a round stops there; later rounds use the prefix it reached (default 12; quick 3;
                        scaling points get a third)
  --no-rss              skip the peak-RSS run
  --no-competitors      skip redact-pii and @redactpii/node
  --no-cli              skip the CLI run
  --no-scaling          skip the scaling curves and corpus variants
  --out <dir>           results directory (default bench/results)
  --data <dir>          generated corpora cache (default bench/.data)
  --label <text>        free text stored with the results
`;

/**
 * `--option value` pairs of a bench tool with a few options, by name; an option not in `known`, or
 * one without its value, is an error.
 * @param {string[]} argv @param {readonly string[]} known @returns {Record<string, string>}
 */
export function optionPairs(argv, known) {
  /** @type {Record<string, string>} */
  const out = {};
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i] ?? '';
    const v = argv[i + 1];
    if (!k.startsWith('--') || v === undefined) throw new Error(`expected --option value pairs, got "${k}"`);
    if (!known.includes(k.slice(2))) throw new Error(`unknown option ${k} (known: ${known.map((o) => `--${o}`).join(', ')})`);
    out[k.slice(2)] = v;
  }
  return out;
}

/** @param {string[]} argv @param {URL} benchDir @returns {BenchOptions | undefined} undefined after --help */
export function parseArgs(argv, benchDir) {
  /** @type {Map<string, string | true>} */
  const given = new Map();
  for (let i = 0; i < argv.length; i++) {
    const a = /** @type {string} */ (argv[i]);
    if (a === '--help' || a === '-h') {
      process.stdout.write(HELP);
      return undefined;
    }
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}"\n${HELP}`);
    const eq = a.indexOf('=');
    const key = eq === -1 ? a.slice(2) : a.slice(2, eq);
    if (['quick', 'no-rss', 'no-competitors', 'no-cli', 'no-scaling'].includes(key)) {
      given.set(key, true);
      continue;
    }
    const value = eq === -1 ? argv[++i] : a.slice(eq + 1);
    if (value === undefined) throw new Error(`--${key} needs a value`);
    given.set(key, value);
  }
  const known = ['quick', 'no-rss', 'no-competitors', 'no-cli', 'no-scaling', 'size', 'scale-size', 'rss-size', 'rounds', 'seed', 'round-budget', 'out', 'data', 'label'];
  for (const k of given.keys()) if (!known.includes(k)) throw new Error(`unknown option --${k}\n${HELP}`);
  const str = (/** @type {string} */ k) => {
    const v = given.get(k);
    return typeof v === 'string' ? v : undefined;
  };
  const num = (/** @type {string} */ k, /** @type {number} */ dflt) => {
    const v = str(k);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${k} expects a number, got "${v}"`);
    return n;
  };
  const quick = given.has('quick');
  const size = parseSize(str('size') ?? (quick ? '20MB' : '200MB'));
  return {
    quick,
    size,
    scaleSize: str('scale-size') ? parseSize(/** @type {string} */ (str('scale-size'))) : Math.min(size, quick ? 8e6 : 50e6),
    rssSize: parseSize(str('rss-size') ?? '1GB'),
    rounds: Math.max(1, Math.round(num('rounds', quick ? 1 : 3))),
    seed: Math.round(num('seed', 42)),
    roundBudgetSec: num('round-budget', quick ? 3 : 12),
    warmupBytes: quick ? 2e6 : 10e6,
    rss: !given.has('no-rss') && !quick,
    competitors: !given.has('no-competitors'),
    cli: !given.has('no-cli'),
    scaling: !given.has('no-scaling'),
    outDir: str('out') ?? fileURLToPath(new URL('results/', benchDir)),
    dataDir: str('data') ?? fileURLToPath(new URL('.data/', benchDir)),
    label: str('label'),
  };
}

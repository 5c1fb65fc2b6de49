/**
 * How well a required literal gates its pattern: the prefilter looks for literals in one small
 * automaton and runs a gated pattern only on the lines that hold one of its literals, so a literal
 * that most lines hold gates nothing and costs a run of the pattern on each of them.
 *
 * - `strong`: four bytes or more (`ghp_`, `password`, `電話`), or three case-sensitive characters
 *   mixing letters and digits (`A3T`). Such a pattern is always gated.
 * - `weak`: any other three bytes (`ssn`, `dl#`, `sk-`) except the letter trigrams common in log
 *   text (`pat` of path, `pan` of span). Such a pattern is gated too when each of its entries has
 *   one (see prefilter.ts): the gate costs a run of the pattern on the lines that hold the
 *   literal, where the structural set's automaton grows with every pattern it holds.
 * - `none`: shorter, digits only, or a common trigram.
 */
import { foldCase, requiredLiterals, type Literal } from './literals.js';

export type GateStrength = 'strong' | 'weak' | 'none';

/**
 * Words found on many log lines. Measured on the loghub system logs (the words on at least 0.2% of
 * their 28,000 lines), with the keys and values of structured logs and traces and the words of
 * browsers' user agents added; their three-letter runs are the common trigrams.
 */
const COMMON_WORDS = `
  account action active activity added address admin agent alignment already and answer any api
  app apps attempt attempting attribute auto available base before block boot broadcast broken but
  bytes cache cached caller cannot change changed channel checking child claims client clients close
  closed code command company complete compute conf configuration configured connect connection core
  corp corrected could critical current data database debug delete deleting dest detail detected
  device diff directory disk does domain driver duration during element email error errors establish
  estimated evaluate event events exception exceptions expand expecting expired external factory
  failed false fatal file files finish finished for found free from full google got handler has
  header hold host http https ignoring image index info init initialized input instance instances
  instruction intel intent interface interrupt interrupted interrupts interval invalid item job
  json kernel latest leaving level library limit line link loading local locally location lock log
  logs long macintosh main manager manifest manual mask max memory message meta metadata method
  milliseconds missing mode module network new next node nodes normal not notice notification null
  open other out outbound output package part partition patch path pattern phone pid point policy
  port post power private pro program progress properties proxy queue rate read reading ready real
  reason received receiving report request required resource response result retry retrying root
  route run running schedule scheduler screen sec seconds send sent served server servers service
  serving session sessionid sharing signal size skipping sleep slow socket source span specified
  spent stage start started state status step storage stored subdir success successfully switch
  sync system target task tasks the this thread tick time timeout timestamp total trace true type
  unix unknown unrecognized update updated use used user using var variable via wait waiting warn
  warning was while will with word worker workers www
  android applewebkit chrome firefox gecko iphone khtml like linux mobile mozilla safari version
  windows
`;

const WORDS = COMMON_WORDS.split(/\s+/).filter((w) => w.length >= 3);
const COMMON_TRIGRAMS: ReadonlySet<string> = new Set(WORDS.flatMap((w) => Array.from({ length: w.length - 2 }, (_, i) => w.slice(i, i + 3))));

/** How many of the words common in log text (above) hold `text` (lower case), as a part or whole. */
export function commonWordsHolding(text: string): number {
  return WORDS.reduce((n, w) => (w.includes(text) ? n + 1 : n), 0);
}

/** How well `l` gates its pattern (see above). */
export function gateStrength(l: Literal): GateStrength {
  if (/^\d+$/.test(l.text)) return 'none';
  const bytes = Buffer.byteLength(l.text);
  if (bytes >= 4) return 'strong';
  // Three bytes with at most one letter or digit (`://`, `","`, one CJK character) are everywhere.
  if (bytes < 3 || (l.text.match(/[A-Za-z0-9]/g)?.length ?? 0) < 2) return 'none';
  if (!l.nocase && /\d/.test(l.text) && /[A-Za-z]/.test(l.text)) return 'strong';
  if (/^[A-Za-z]{3}$/.test(l.text) && COMMON_TRIGRAMS.has(l.text.toLowerCase())) return 'none';
  return 'weak';
}

/** What gates a prefilter entry: its pattern's literals (of `source` when given), else its keywords. */
export interface GatedEntry {
  pattern: string;
  source?: string;
  keywords?: readonly string[];
}

/** The literals that strongly gate an entry (see above), or undefined when it needs the structural set. */
export function gateOf(e: GatedEntry): Literal[] | undefined {
  return gateWith(e, (l) => gateStrength(l) === 'strong');
}

/** The literals that gate an entry at least weakly (see above), or undefined. */
export function weakGateOf(e: GatedEntry): Literal[] | undefined {
  return gateWith(e, (l) => gateStrength(l) !== 'none');
}

/** The pattern's own literals when each is good enough, else its keywords when each is. */
function gateWith(e: GatedEntry, good: (l: Literal) => boolean): Literal[] | undefined {
  const own = requiredLiterals(e.source ?? e.pattern, 3);
  if (own?.every(good)) return own;
  const words = e.keywords?.map((k) => ({ text: foldCase(k), nocase: true }));
  if (words && words.length > 0 && words.every(good)) return words;
  return undefined;
}

/**
 * The patterns without a strong literal that are gated by weak ones instead (see above), by
 * pattern, then by entry: every pattern whose every entry has a weak gate. Run where its literal
 * occurs, such a pattern costs less than its share of the structural set's automaton, whose states
 * hold every pattern's progress (counted with callgrind on the built-in library: 8% fewer
 * instructions for the seeded JSON lines, fresh and warm, 3-6% for the loghub files, than when
 * they were gated only to make the rest fit one set).
 */
export function weaklyGated(entries: readonly GatedEntry[], gates: ReadonlyArray<Literal[] | null>): Map<string, Record<number, Literal[]>> {
  const byPattern = new Map<string, Record<number, Literal[]> | null>();
  entries.forEach((e, index) => {
    if (gates[index]) return;
    const known = byPattern.has(e.pattern) ? byPattern.get(e.pattern) : {};
    const weak = weakGateOf(e);
    byPattern.set(e.pattern, weak && known ? { ...known, [index]: weak } : null);
  });
  const moved = new Map<string, Record<number, Literal[]>>();
  for (const [pattern, p] of byPattern) if (p) moved.set(pattern, p);
  return moved;
}

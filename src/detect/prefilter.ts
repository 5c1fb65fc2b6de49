/**
 * Which of many RE2 patterns can match a line or a value, fast. One RE2.Set over two hundred
 * detectors grows an automaton far beyond RE2's DFA memory and crawls; most detectors, though,
 * cannot match without some literal (a vendor prefix such as `ghp_`, a key word such as
 * `password`, or the keywords a detector requires). So:
 *
 * - the literals of all such patterns form one small set (a few hundred short strings); a literal
 *   most lines hold gates nothing, so only rare enough ones count (see rarity.ts);
 * - a pattern whose literals are rare but short (`ssn`, `dl#`) is gated by them too;
 * - the patterns without literals (numbers, addresses, e-mails) form a set of their own, small
 *   enough to keep its automaton. When they weigh more than one set holds, it is split; when they
 *   weigh more than two, the heaviest are held in the set by their leading items that need some
 *   keyword (`(?i:ssn|social security)` of a keyword-led pattern), and a line such a prefix
 *   passes is checked with the whole pattern;
 * - a literal hit names the patterns that hold it, and only those run: alone, or, where one literal
 *   gates several, as one RE2.Set of them (one scan of the line instead of one each).
 */
import { isAscii } from 'node:buffer';
import { analyze, selectivePrefix } from './literals.js';
import { escapeRegex as escape } from './re2-syntax.js';
import { gapTail, literalSuffix, unboundedGaps } from './wider-forms.js';
import { gateOf, weaklyGated } from './rarity.js';
import { SplitSet, TEST_SET_WEIGHT } from './split-set.js';
import { InKeyTests } from './in-key.js';
import { keyWordAnchor, keyWordNet, wordsOf } from './key-words.js';
import { LiteralScan, type LiteralEntry } from './literal-scan.js';
import { re2Input } from '../util/re2-input.js';
import { sortNumbers } from '../util/sort-numbers.js';
import { EntryRegexes } from './entry-regexes.js';
import { Gates } from './gates.js';

export interface PrefilterEntry {
  /** The pattern as it must be tested on the input (raw lines need widened anchors). */
  pattern: string;
  /** The pattern this entry's literals are taken from (default: `pattern`). */
  source?: string;
  /**
   * Lower-case words one of which the input must contain for the entry to matter (a detector's
   * keywords); used when the pattern yields no literal of its own.
   */
  keywords?: readonly string[];
}

/**
 * Structural patterns weighing more than this in all are held, the heaviest first, by their
 * keyword prefixes (about twice what one set holds). The built-in library with its routing rules
 * weighs ~6,100 without literals strong enough to gate, and fits one set once the patterns with a
 * weak one are gated by it: it needs none.
 */
const MAX_STRUCTURAL_WEIGHT = 6000;

export class Prefilter {
  readonly size: number;
  /** The literals the scan looks for, as RE2 patterns (`(?i)password`, `ghp_`), in the scan's order (for measurements and explain). */
  readonly literals: readonly string[];
  /** For each pattern of the structural set, the entries that have it (routing rules repeat some; the set holds each once). */
  readonly #structuralIds: number[][] = [];
  /** Structural patterns represented in the set by a wider form (a prefix, a tail): a set hit must be confirmed. */
  readonly #relaxed: boolean[] = [];
  readonly #structural: SplitSet | undefined;
  readonly #literals: LiteralScan | undefined;
  /** The entries each literal gates (see gates.ts). */
  readonly #gated: Gates;
  /** Each entry's own regexes and keywords. */
  readonly #regexes: EntryRegexes;

  readonly #maxStructuralWeight: number;
  readonly #setWeight: number;
  /** Entries below this index make a JSON key holding one of their literals a context key (see {@link Prefilter.hits}). */
  readonly #contextEntries: number;
  /**
   * For each literal that gates an entry below {@link Prefilter.#contextEntries}, and each key
   * word's net, the test of whether it lies in a JSON key: the literal, the rest of the string,
   * its closing quote and a colon (see inKeyPattern); none for the other literals.
   */
  readonly #inKeyTests = new InKeyTests();
  /** How many structural patterns are held with a gap unbounded, and by what follows it (see {@link Prefilter.#widen}). */
  #unbounded = 0;
  #tails = 0;
  /** The same for each structural pattern held by its keyword prefix (see {@link Prefilter.#relax}), by set index. */
  readonly #relaxedInKey = new InKeyTests();

  /**
   * `setWeight`: what one structural set holds (the sets are split at it). `maxStructuralWeight`:
   * over this total weight, the heaviest structural patterns are held by their keyword prefixes
   * (see {@link Prefilter.#relax}).
   */
  constructor(
    entries: readonly PrefilterEntry[],
    options: { maxStructuralWeight?: number; setWeight?: number; contextEntries?: number; keyWords?: readonly string[] } = {},
  ) {
    this.#maxStructuralWeight = options.maxStructuralWeight ?? MAX_STRUCTURAL_WEIGHT;
    this.#setWeight = options.setWeight ?? TEST_SET_WEIGHT;
    this.#contextEntries = options.contextEntries ?? 0;
    this.size = entries.length;
    this.#regexes = new EntryRegexes(entries);
    const gates = entries.map((e) => gateOf(e) ?? null);
    const weak = weaklyGated(entries, gates);
    const byLiteral = new Map<string, number[]>();
    const literalOf = new Map<string, LiteralEntry>();
    const structural: string[] = [];
    const structuralIndex = new Map<string, number>();
    entries.forEach((e, index) => {
      const literals = gates[index] ?? weak.get(e.pattern)?.[index];
      if (!literals) {
        const at = structuralIndex.get(e.pattern);
        if (at !== undefined) (this.#structuralIds[at] as number[]).push(index);
        else {
          structuralIndex.set(e.pattern, structural.length);
          this.#structuralIds.push([index]);
          structural.push(e.pattern);
          this.#relaxed.push(false);
        }
        return;
      }
      for (const l of literals) {
        const key = (l.nocase ? '(?i)' : '') + escape(l.text);
        literalOf.set(key, { pattern: key, literal: l });
        const list = byLiteral.get(key) ?? [];
        // Two literals of one entry can be one key (keywords `SSN` and `ssn`): the entry is listed once.
        if (list[list.length - 1] !== index) list.push(index);
        byLiteral.set(key, list);
      }
    });
    this.#relax(structural);
    this.#widen(structural);
    this.#structural = structural.length > 0 ? new SplitSet(structural, { test: this.#setWeight }) : undefined;
    const inKey = (k: string): boolean => (byLiteral.get(k) ?? []).some((e) => e < this.#contextEntries);
    // Key words (see key-words.ts) gate nothing: a line holding one in a key is looked at closer.
    // One that is a literal of a context entry already is looked for in keys as that literal,
    // unless it is several words: a key holds them apart by anything or nothing (`social.security`,
    // `socialSecurity`), which detection reads as the words apart by a space.
    const words = (options.keyWords ?? []).filter((w) => wordsOf(w).length > 1 || !inKey(`(?i)${escape(w)}`));
    const nets = new Map(words.map((w) => [keyWordNet(w), w]));
    for (const w of words) {
      const net = keyWordNet(w);
      if (byLiteral.has(net)) continue;
      byLiteral.set(net, []);
      literalOf.set(net, { pattern: net, anchor: keyWordAnchor(w) });
    }
    const keys = [...byLiteral.keys()];
    this.literals = keys;
    this.#gated = new Gates(keys.map((k) => byLiteral.get(k) as number[]), this.#regexes);
    keys.forEach((k, l) => {
      const net = nets.get(k);
      if (net !== undefined) this.#inKeyTests.word(l, net);
      else if (inKey(k)) this.#inKeyTests.literal(l, k, literalOf.get(k)?.literal);
    });
    this.#literals = keys.length > 0 ? new LiteralScan(keys.map((k) => literalOf.get(k) as LiteralEntry)) : undefined;
  }

  /**
   * A structural pattern is held in the sets by a wider form where one is known (wider-forms.ts):
   * what follows a bounded gap (`(?i:pan|itr)[^0-9\n]{0,30}?...`), or what starts at its first run
   * of literal characters (`Q~...`), else with its gaps unbounded; a line such a form passes is
   * checked with the whole pattern, as a prefix is. The automaton's states hold every pattern's
   * progress: a gap kept a state from each keyword (`span`, `database`) to the next digit, a class
   * run before a literal a count at every word. Five built-in patterns took about 30% of the first
   * 200 detectors' structural test held as they were (gaps unbounded), 7% held so.
   */
  #widen(structural: string[]): void {
    structural.forEach((p, i) => {
      if (this.#relaxed[i]) return;
      const tail = gapTail(p) ?? literalSuffix(p);
      const held = tail ?? unboundedGaps(p);
      if (held === p) return;
      structural[i] = held;
      this.#relaxed[i] = true;
      if (tail === undefined) this.#unbounded += 1;
      else this.#tails += 1;
      // The wider form in a key makes the key one the structured path reads values with (see
      // CompiledPolicy.isContextKey), as a prefix does: such a line is looked at closer.
      if ((this.#structuralIds[i] as number[]).some((e) => e < this.#contextEntries)) this.#relaxedInKey.pattern(i, held);
    });
  }

  /**
   * When the structural patterns weigh more than `maxStructuralWeight`, the ones that save most are
   * replaced (in place) by their keyword prefix, until they fit: a prefix passes more lines, each
   * then checked with the whole pattern, which costs far less than a set that falls off its DFA.
   */
  #relax(structural: string[]): void {
    const weights = structural.map((p) => analyze(p).weight);
    let total = weights.reduce((a, w) => a + w, 0);
    if (total <= this.#maxStructuralWeight) return;
    const options = structural
      .map((p, i) => {
        const prefix = selectivePrefix(p);
        return { i, prefix, saved: prefix ? (weights[i] as number) - analyze(prefix).weight : 0 };
      })
      .filter((o) => o.prefix !== undefined)
      .sort((a, b) => b.saved - a.saved || a.i - b.i);
    for (const o of options) {
      if (total <= this.#maxStructuralWeight) break;
      structural[o.i] = o.prefix as string;
      this.#relaxed[o.i] = true;
      // The prefix in a key (`"ssns":[1,"..."]`): the whole pattern may not reach the value on the
      // raw line, and the structured path reads it with the key.
      if ((this.#structuralIds[o.i] as number[]).some((e) => e < this.#contextEntries)) this.#relaxedInKey.pattern(o.i, o.prefix as string);
      total -= o.saved;
    }
  }

  /** How the entries were split: structural patterns (held by a keyword prefix, with a gap unbounded, by what follows a gap), their sets, distinct literals, gated entries. */
  get stats(): { structural: number; relaxed: number; unbounded: number; tails: number; structuralSets: number; literals: number; gated: number } {
    const structural = this.#structuralIds.length;
    const relaxed = this.#relaxed.filter(Boolean).length - this.#unbounded - this.#tails;
    const gated = this.size - this.#structuralIds.reduce((n, ids) => n + ids.length, 0);
    return { structural, relaxed, unbounded: this.#unbounded, tails: this.#tails, structuralSets: this.#structural?.sets ?? 0, literals: this.#gated.size, gated };
  }

  /** The structural patterns (for measurements and explain). */
  get structuralPatterns(): readonly string[] {
    return this.#structuralIds.map((ids) => this.#regexes.pattern(ids[0] as number));
  }

  /**
   * Every entry that may match `input`: the patterns without literals that do match, and the
   * patterns one of whose literals occurs (not run: the caller runs them anyway). Sorted.
   */
  candidates(text: string | Buffer): number[] {
    const out = new Set<number>();
    // Both searches read the same bytes.
    const input = re2Input(text);
    if (this.#structural) for (const i of this.#structural.match(input)) for (const e of this.#structuralIds[i] as number[]) out.add(e);
    if (this.#literals) for (const l of this.#literals.match(input)) for (const i of this.#gated.entries(l)) out.add(i);
    return sortNumbers([...out]);
  }

  /**
   * True when some entry's pattern matches `input` (and, for an entry with keywords, one of them
   * occurs): structural ones by their set, gated ones run where one of their literals occurs.
   */
  test(input: string | Buffer): boolean {
    let structural: number[] | undefined;
    if (this.#structural?.test(input)) {
      structural = this.#structural.match(input);
      for (const i of structural) if (this.#confirmStructural(i, input, undefined)) return true;
    }
    const literals = this.#literals?.match(input);
    if (literals && literals.length > 0 && this.#gated.matching(input, literals, true, undefined)) return true;
    return this.#inKey(input, structural, literals);
  }

  /**
   * The entries whose pattern does match `input` (structural ones with a keyword where they have
   * keywords, gated ones run where one of their literals occurs), sorted.
   */
  matching(input: string | Buffer): number[] {
    return this.hits(input) ?? [];
  }

  /**
   * As {@link matching}, undefined when nothing matches. Most inputs pass the structural set's
   * first-match test, which is far cheaper than finding every match, and stop there; the literal
   * scan names the literals that occur (see {@link LiteralScan}).
   */
  hits(input: string | Buffer): number[] | undefined {
    const structural = this.#structural?.test(input) ?? false;
    const literals = this.#literals?.match(input);
    const literal = literals !== undefined && literals.length > 0;
    if (!structural && !literal) return undefined;
    return this.#confirm(input, structural ? this.#structural?.match(input) : undefined, literal ? literals : undefined);
  }

  /**
   * {@link Prefilter.hits} of many inputs, the same answers. Each set runs over all the inputs
   * before the next one does (see {@link SplitSet.testMany}), and each literal's gated entries
   * over the inputs that hold it (see {@link Gates.matchingMany}).
   */
  hitsMany(inputs: readonly Buffer[]): Array<number[] | undefined> {
    const n = inputs.length;
    const structural = new Uint8Array(n);
    this.#structural?.testMany(inputs, structural);
    const structuralMatches = this.#structural?.matchMany(inputs, structural);
    const literalMatches = this.#literals?.matchEach(inputs) ?? [];
    const found = new Array<number[] | undefined>(n);
    for (let i = 0; i < n; i++) {
      const held = structuralMatches?.[i];
      if (held) for (const k of held) found[i] = this.#confirmStructural(k, inputs[i] as Buffer, found[i]);
    }
    this.#gated.matchingMany(inputs, literalMatches, found);
    const out = new Array<number[] | undefined>(n);
    for (let i = 0; i < n; i++) {
      const literals = literalMatches[i];
      if (structural[i] || literals) out[i] = this.#held(inputs[i] as Buffer, found[i], structuralMatches?.[i], literals);
    }
    return out;
  }

  /**
   * The entries that hold, from the structural set indices and the literal indices that matched
   * `input`; none but an empty list when a literal of a context entry lies in a JSON key.
   */
  #confirm(input: string | Buffer, structural: readonly number[] | undefined, literals: readonly number[] | undefined): number[] | undefined {
    let out: number[] | undefined;
    if (structural) for (const i of structural) out = this.#confirmStructural(i, input, out);
    if (literals) out = this.#gated.matching(input, literals, false, out);
    return this.#held(input, out, structural, literals);
  }

  /** The entries `found` to hold for `input`, sorted; else an empty list or none, as {@link Prefilter.#confirm} tells. */
  #held(input: string | Buffer, found: number[] | undefined, structural: readonly number[] | undefined, literals: readonly number[] | undefined): number[] | undefined {
    if (found) return sortNumbers(found);
    return this.#inKey(input, structural, literals) ? [] : undefined;
  }

  /**
   * True when one of the matched `literals` gates an entry below `contextEntries` (a detector), or
   * the keyword prefix of a matched `structural` pattern held by one (see {@link Prefilter.#relax}),
   * lies inside a JSON key of `input` (a raw line, see {@link Prefilter.#inKeyTests}; a wider
   * net than a parser's): the structured path reads the values under such a key with the key
   * before them, where the line's own patterns may not reach.
   */
  #inKey(input: string | Buffer, structural: readonly number[] | undefined, literals: readonly number[] | undefined): boolean {
    const ascii = typeof input !== 'string' && isAscii(input);
    return this.#inKeyTests.holdsAny(literals, input, ascii) || this.#relaxedInKey.holdsAny(structural, input, ascii);
  }

  /**
   * The entries a structural set hit (by set index) holds for: the whole pattern matches (checked
   * when the set holds a prefix), and the entry's keywords occur; appended to `out`.
   */
  #confirmStructural(i: number, input: string | Buffer, out: number[] | undefined): number[] | undefined {
    const ids = this.#structuralIds[i] as number[];
    if (this.#relaxed[i] && !this.#regexes.verifier(ids[0] as number).test(input)) return out;
    for (const e of ids) if (this.#regexes.keywordsHold(e, input)) (out ??= []).push(e);
    return out;
  }

  /** See {@link EntryRegexes.locate}. */
  locate(i: number, input: Buffer, out: number[]): void {
    this.#regexes.locate(i, input, out);
  }
}


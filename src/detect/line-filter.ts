/**
 * The raw-line prefilter. A line it passes holds no detector match in any of its string fields, no
 * key a `redact` rule selects, no key holding a detector's literal (whose values are read with the
 * key), no nesting deeper than the limit: it cannot change, so it leaves
 * byte-for-byte without being decoded. It may say "look closer" too often, never "clean" wrongly
 * (the property tests compare it with the structured path). The patterns are matched through a
 * {@link Prefilter}: literal gates first, each gated pattern run only where its literal occurs.
 *
 * A detector's raw-line form has its anchors widened to the edges of a JSON field (see
 * {@link widenAnchors}). A line read as text is one value, scanned whole with the detector's own
 * pattern: there a hit of a widened form is kept only when the pattern itself matches the line.
 */
import RE2 from 're2';
import { BASE64_TEXT_LINES } from '../act/base64-text.js';
import { HEX_TEXT_LINE } from '../act/hex-text.js';
import { ENCODED_COMMAND_LINE, JS_SPACE } from '../act/encoded-command.js';
import { readsAsText, type LineFormat } from '../codecs/jsonl.js';
import { HIDDEN_NUMBER_PATTERN } from './numbers.js';
import { NAMES } from './in-key.js';
import { KeyWords, keyWordsOf } from './key-words.js';
import { Prefilter, type PrefilterEntry } from './prefilter.js';
import { gateOf } from './rarity.js';
import type { DetectorSpec, KeyRuleSpec } from './pack.js';

const NL = 0x0a;
const QUOTE = 0x22;
const CR = 0x0d;
const BACKSLASH = 0x5c;

export class LineFilter {
  readonly prefilter: Prefilter;
  /** The entries given as `extra` to {@link LineFilter.build} (the same array), and the index of the first. */
  readonly extra: readonly PrefilterEntry[];
  readonly extraStart: number;
  /** Records nested deeper are rejected on the structured path; undefined: no limit. */
  readonly #maxDepth: number | undefined;

  /** Words that make a JSON key a context key besides the prefilter's literals (see key-words.ts). */
  readonly keyWords: KeyWords;
  /** By detector entry, its own pattern where widening changed it (undefined where it did not). */
  readonly #textForms: ReadonlyArray<string | undefined>;
  /** Those patterns compiled, on first use. */
  readonly #textRegexes: Array<RE2 | undefined> = [];

  private constructor(
    entries: PrefilterEntry[],
    maxDepth: number | undefined,
    extra: readonly PrefilterEntry[],
    detectors: number,
    keyWords: readonly string[],
    textForms: ReadonlyArray<string | undefined>,
  ) {
    // A line with a key that holds a detector's literal (`"ssns":`) or key word (`"rtn":`) is
    // looked at closer too: its values are read with the key before them (see scanText).
    this.prefilter = new Prefilter(entries, { contextEntries: detectors, keyWords });
    this.keyWords = new KeyWords(keyWords);
    this.#maxDepth = maxDepth;
    this.extra = extra;
    this.extraStart = entries.length - extra.length;
    this.#textForms = textForms;
  }

  /** True when some pattern matches the line, or it nests deeper than the limit. */
  test(line: Buffer): boolean {
    return this.prefilter.test(line) || (this.#maxDepth !== undefined && tooDeep(line, this.#maxDepth));
  }

  /** Undefined when there is nothing to look for. */
  static build(
    detectors: readonly Pick<DetectorSpec, 'regex' | 'keywords'>[],
    keyRules: readonly KeyRuleSpec[],
    maxDepth?: number,
    extra: readonly PrefilterEntry[] = [],
  ): LineFilter | undefined {
    const widened = detectors.map((d) => widenAnchors(d.regex));
    const entries: PrefilterEntry[] = [
      ...detectors.map((d, i) => ({ pattern: widened[i] as string, source: d.regex, keywords: d.keywords })),
      ...keyRules.filter((r) => r.mode === 'redact').flatMap((r) => (r.where ? [conditionEntry(r.where)] : r.keys.flatMap((k) => [{ pattern: jsonKeyPattern(k) }, namedKeyEntry(k), { pattern: optionPattern(k) }].flatMap((e) => (e.pattern ? [e as PrefilterEntry] : []))))),
      // A Redis command as a list, whose password the password rule takes (see itemRule in act/argument-items.ts).
      // A client's password given as one argument of a list (`["mysql","-u","app","-pX"]`,
      // `["sshpass","-p","X",...]`, `["curl","-u","user:X",...]`; see itemRule).
      ...(keyRules.some((r) => r.mode === 'redact') ? [{ pattern: `${ITEM}(?:AUTH|HELLO)\\\\*["']${ITEM_END}` }, { pattern: SQL_LINE }, { pattern: PARAMETER_LINE }, { pattern: DIAGNOSE_LINE }, { pattern: EF_CAPTURED_LINE }, { pattern: EF_PARAMETERS_LINE }, { pattern: CLIENT_LINE }] : []),
      // A number whose digits its writing hides is also read plain (see numbers.ts), a
      // PowerShell command's script decoded (see act/encoded-command.ts), and base64 or hex of
      // text (see act/base64-text.ts, act/hex-text.ts).
      ...(detectors.length > 0 ? [{ pattern: HIDDEN_NUMBER_PATTERN }, { pattern: ENCODED_COMMAND_LINE }, ...BASE64_TEXT_LINES.map((pattern) => ({ pattern })), { pattern: HEX_TEXT_LINE }] : []),
      ...extra,
    ];
    const textForms = detectors.map((d, i) => (widened[i] === d.regex ? undefined : d.regex));
    return entries.length > 0 || maxDepth !== undefined ? new LineFilter(entries, maxDepth, extra, detectors.length, keyWordsOf(detectors), textForms) : undefined;
  }

  /**
   * Marks (in `hit`) every line of `data` that some pattern matches. `ends[i]` is the offset of
   * line i's `\n` (or the data length for a last line without one). `found`, when given, receives
   * for each marked line the entries whose pattern matched it (none for a line marked only for
   * its depth). `format`: how the lines are decoded; given, a line read as text (see
   * {@link readsAsText}) is marked only where a hit holds with the detector's own pattern.
   */
  markHits(data: Buffer, ends: Int32Array, hit: Uint8Array, found?: Map<number, number[]>, format?: LineFormat): void {
    // Line by line: patterns such as [^"]* would run across line ends in one pass over the batch.
    const index: number[] = [];
    const lines: Buffer[] = [];
    for (let i = 0, start = 0; i < ends.length; i++) {
      const end = ends[i] as number;
      if (!hit[i]) {
        index.push(i);
        // Without a CR before the LF: the structured path decodes the line without it.
        lines.push(data.subarray(start, end > start && data[end - 1] === CR ? end - 1 : end));
      }
      start = end + 1;
    }
    const results = this.prefilter.hitsMany(lines);
    for (let k = 0; k < lines.length; k++) {
      const i = index[k] as number;
      const line = lines[k] as Buffer;
      let entries = results[k];
      if (entries && format !== undefined && readsAsText(line, format)) entries = this.#asText(entries, line);
      if (entries) {
        hit[i] = 1;
        found?.set(i, entries);
      } else if (this.#maxDepth !== undefined && tooDeep(line, this.#maxDepth)) hit[i] = 1;
    }
  }

  /**
   * The `entries` of a line read as text, or undefined when none holds: a detector's whose widened
   * form matched holds only where its own pattern matches the line (the structured path scans the
   * line as one string with that pattern, so another place finds nothing). A line that some entry
   * holds keeps them all, as the structured path takes it anyway: those that do not hold cost
   * there the one search they would cost here. An empty list (a line marked for a key, see
   * Prefilter.hits) stays as it is.
   */
  #asText(entries: number[], line: Buffer): number[] | undefined {
    if (entries.length === 0 || entries.some((e) => this.#textForms[e] === undefined)) return entries;
    for (const e of entries) {
      let re = this.#textRegexes[e];
      if (!re) {
        re = new RE2(this.#textForms[e] as string, 'u');
        this.#textRegexes[e] = re;
      }
      if (re.test(line)) return entries;
    }
    return undefined;
  }
}

/**
 * True when a line nests objects and arrays deeper than `maxDepth`, counted as a JSON parser
 * would (brackets inside strings do not count, nor a quote a backslash escapes). Lines with fewer
 * opening brackets than the limit are passed without walking them.
 */
export function tooDeep(line: Buffer, maxDepth: number): boolean {
  let opening = 0;
  for (let p = line.indexOf(0x7b); p !== -1 && opening <= maxDepth; p = line.indexOf(0x7b, p + 1)) opening++;
  for (let p = line.indexOf(0x5b); p !== -1 && opening <= maxDepth; p = line.indexOf(0x5b, p + 1)) opening++;
  if (opening <= maxDepth) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as number;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** Offsets of each line's end in `data`. */
export function lineEnds(data: Buffer): Int32Array {
  const ends: number[] = [];
  let pos = data.indexOf(NL);
  while (pos !== -1) {
    ends.push(pos);
    pos = data.indexOf(NL, pos + 1);
  }
  const last = ends.length > 0 ? (ends[ends.length - 1] as number) + 1 : 0;
  if (last < data.length) ends.push(data.length);
  return Int32Array.from(ends);
}

/** Index of the line holding byte `pos` (binary search over the line ends). */
export function lineAt(ends: Int32Array, pos: number): number {
  let lo = 0;
  let hi = ends.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ends[mid] as number) < pos) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `part` written so that a regex matches it literally. */
function esc(part: string): string {
  return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A key a rule selects, as it appears in a JSON line (or in JSON or a Python dict inside a text:
 * single quotes too), case-insensitive: `"password":` for an exact key; for a glob, its literal
 * ends only (`_token":` for `*_token`), which holds for every key the glob matches (a wider net is
 * fine for a prefilter, and `"[^"]*` runs make the automaton explode).
 */
function jsonKeyPattern(key: string): string {
  const parts = key.split('*');
  // Also first in a pair, the key of a map written as its entries (`[["password","..."],["host","db"]]`,
  // Python's `[('password', '...')]`; see entryRules in act/argument-items.ts): one pattern, whose literal
  // is the key between quotes either way (a glob's pairs are optionPattern's, which takes an item
  // anywhere in its list).
  if (parts.length === 1) return String.raw`["'](?i:${esc(key)})["']\s*:|[[(]\s*\\*["'](?i:${esc(key)})["']\s*,`;
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  if (last.length > 0) return `(?i:${esc(last)})["']\\s*:`;
  if (first.length > 0) return `["'](?i:${esc(first)})`;
  return `["']\\s*:`;
}

/** A key spelled as a header name is (`x-api-key`, `authorization`), which a list of names and values holds without dashes in front. */
const HEADER_NAME = /^(?:[a-z][a-z0-9]*(?:-[a-z0-9]+)+|authorization|cookie)$/i;

/**
 * The opening quote of an array's item: after the bracket or a comma, not after a colon as a
 * member's value (`"method":"password",` names no option). A backslash may stand before the
 * quote, in the raw form of JSON inside a string, which the structured path reads decoded. The
 * item may be an OTLP AnyValue's string (`[{"stringValue":"--password"},...]`), which the
 * structured path reads as the plain array's item (see anyValueItems in act/any-value.ts).
 */
const ITEM = String.raw`[\[,]\s*(?:\{\s*"[a-z]+(?:Value|_value)"\s*:\s*)?\\*["']`;
/** What follows an item's closing quote when another item follows it: the comma, after the AnyValue's brace for an OTLP item. */
const ITEM_END = String.raw`\s*\}?\s*,`;
/**
 * SQL whose values a rule may take by their column (see act/sql.ts): an INSERT, a MERGE's rows (`USING (VALUES`), or SET or WHERE
 * with a comparison after it or before it (that module reads every comparison of a text that
 * holds one of those words: `JOIN t ON t.dob = ? WHERE active`). It matches more than that
 * module takes.
 */
const SQL_LINE = String.raw`(?i)\binsert\s+(?:ignore\s+)?into\b|\busing\s*\(\s*values\b|\b(?:set|where)\b[^\n]*?(?:=|<>|\s(?:i?like|in)\s)|(?:=|<>|\s(?:i?like|in)\s)[^\n]*?\b(?:set|where)\b`.replaceAll(String.raw`\s`, JS_SPACE);
/**
 * A line that gives bind parameters of the statement on a line above (see
 * pipeline/bound-lines.ts): Hibernate's binder, Prisma's printed query event, SQLAlchemy's engine
 * log, PostgreSQL's server log, MyBatis. ASCII only, so that it reads a line's bytes (the prefilter) as it reads its text (the
 * batch, which reads the lines it marks).
 */
export const PARAMETER_LINE = String.raw`binding parameter (?:\[\d{1,4}\] as \[|\(\d{1,4}:)|\bParams: \[|\[(?:generated in|cached since|raw sql|no key|dialect|insertmanyvalues)\b[ -\\^-~]{0,120}\] [(\[]|\b[Pp]arameters: \$\d{1,5} = |==> {1,2}Parameters: `;
/** Entity Framework Core's parameter named after the variable a query captured (`@__apiKey_0='...'`), read by that name where its statement is not on the line (see act/sql-logged.ts). */
const EF_CAPTURED_LINE = String.raw`@__\w+_\d+='`;
/** Entity Framework Core's parameters, whose statement a text log writes on the lines after them (see pipeline/command-lines.ts). */
const EF_PARAMETERS_LINE = String.raw`\[Parameters=\[@`;
/** A value line of a Python traceback with its variables (see pipeline/diagnose-lines.ts): `│ └ 'value'`. */
export const DIAGNOSE_LINE = '└ ';
/**
 * The name of a client whose arguments a rule may take (see act/argument-items.ts): a MySQL or MariaDB
 * client, sshpass, htpasswd, redis-cli, or curl as an item of its own (a path's end or a quoted word: `curl/8.5` of a
 * user agent is none).
 */
const CLIENT_LINE = String.raw`(?i)mysql|mariadb|sshpass|htpasswd|(?:redis|valkey)-cli|[/\\"']curl(?:\.exe)?\\*["']`;

/**
 * A key a rule selects as an item of an array with an item after it: a command-line option
 * (`"--password",`) or a header name in a list of names and values (`"X-Api-Key",`; see itemRule
 * in act/argument-items.ts), case-insensitive; for a glob, its literal end (`password",` for
 * `*password`) or start; none for a glob without either.
 */
function optionPattern(key: string): string | undefined {
  const parts = key.split('*');
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  // An option has its dashes; a header name (`x-api-key`, `authorization`) need not.
  if (parts.length === 1) return `${ITEM}${HEADER_NAME.test(key) ? '-{0,2}' : '--?'}(?i:${esc(key)})["']${ITEM_END}`;
  if (last.length > 0) return `${ITEM}[^"'\\\\]*?(?i:${esc(last)})["']${ITEM_END}`;
  return first.length > 0 ? `${ITEM}-{0,2}(?i:${esc(first)})` : undefined;
}

/**
 * What a line holds when a rule with conditions (see KeyRuleSpec.where) may apply in it: the
 * member of its first condition, with one of the values listed (`"kind":"Secret"`), a value one
 * of its globs matches, or a string (`*`), which no rule applies without, where the rule's own keys (`data`) stand in many lines it
 * does not.
 */
function conditionEntry(where: Readonly<Record<string, readonly string[]>>): PrefilterEntry {
  const [key, values] = Object.entries(where)[0] as [string, readonly string[]];
  // A glob's `*` runs over anything, quotes too: a line read with its escapes decoded shows an escaped quote bare.
  const value = values.includes('*') ? `["']` : `["'](?:${values.map((v) => v.split('*').map(esc).join('.*')).join('|')})["']`;
  // A Python dict's value may have a prefix (`'kind': u'Secret'`, see codecs/python-literal.ts).
  // Or a map written as its entries: the member's key and value a pair (`["grant_type","authorization_code"]`, see entryRules in act/argument-items.ts).
  return gatedBy(`["'](?i:${esc(key)})["']\\s*[:,]\\s*(?:[uUbBrR]|[bB][rR]|[rR][bB])?${value}`, value);
}

/**
 * An entry for `pattern` whose literals are taken from `part` (a part every match holds) when they
 * gate it well: the name of a name-value object or a condition's member (`"name"`, `"key"`) stands
 * in many lines, the key or the value that follows it (`"pw"`, `"sid"`) in few, though it may be
 * shorter (a literal's length is what the choice between a pattern's literals goes by).
 */
function gatedBy(pattern: string, part: string): PrefilterEntry {
  return gateOf({ pattern: part }) ? { pattern, source: part } : { pattern };
}

/**
 * A key a rule selects as the name of a name-value object (`{"name":"password","value":...}`, see
 * namedValue in members.ts), or of one an OTLP kvlist's entries make, case-insensitive; for a
 * glob, with its literal end or start; none for a glob without either. As wide as key rules
 * inside text read such an object (see PAIR in act/embedded.ts): spaces and line breaks around
 * the colon, a `u` or `b` before the name's string, the other kind of quote and escapes inside it
 * (`{'name': u'it\'s_password', ...}`).
 */
function namedKeyEntry(key: string): { pattern?: string; source?: string } {
  const parts = key.split('*');
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  const inside = String.raw`(?:(?:[^"\\\n]|\\.)*|(?:[^'\\\n]|\\.)*)`;
  const body = parts.length === 1 ? `(?i:${esc(key)})["']` : last.length > 0 ? `${inside}(?i:${esc(last)})["']` : first.length > 0 ? `(?i:${esc(first)})` : undefined;
  if (body === undefined) return {};
  // Or an entry of an OTLP kvlist that names what another entry holds, its members in either order
  // (`{"key":"name","value":{"stringValue":"DB_PASSWORD"}}`, see kvlistName in act/any-value.ts).
  const names = `"(?:${NAMES.join('|')})"`;
  const held = String.raw`"value"\s*:\s*\{\s*"[a-z]+(?:Value|_value)"\s*:\s*"`;
  const closed = parts.length > 1 && last.length === 0 ? `${body}${inside}"` : body;
  const entry = String.raw`"key"\s*:\s*${names}\s*,\s*${held}${body}|${held}${closed}\s*\}\s*,\s*"key"\s*:\s*${names}`;
  return gatedBy(String.raw`["'](?:${NAMES.join('|')})["']\s*:\s*[uUbB]?["']${body}|${entry}`, `["']${body}`);
}

/**
 * The raw-line form of a detector regex. Inside a JSON line a string field is delimited by `"`,
 * and a number by what may stand before it (`:` `,` `[` or a space) and after it (`,` `]` `}` or
 * a space), so an anchor that holds at the edge of a field (^ $ \A \z) is widened to also accept
 * those. The result matches a raw line whenever the original matches one of its string or number
 * fields.
 */
export function widenAnchors(source: string): string {
  return rewrite(source, {
    anchor: (a) => (a === '^' || a === '\\A' ? `(?:${a}|${BEFORE_FIELD})` : `(?:${a}|${AFTER_FIELD})`),
  });
}

const BEFORE_FIELD = '["\\[:,\\s]';
const AFTER_FIELD = '["\\],}\\s]';

/** Walks a regex outside character classes and escapes, rewriting its anchors. */
function rewrite(source: string, how: { anchor: (a: string) => string }): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (c === '\\') {
      const next = source[i + 1] ?? '';
      i += 1;
      if (!inClass && (next === 'A' || next === 'z')) out += how.anchor(c + next);
      else out += c + next;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      // A leading ^ (negation) or ] belongs to the class.
      if (source[i + 1] === '^') out += source[++i];
      if (source[i + 1] === ']') out += source[++i];
      continue;
    }
    if (c === '^' || c === '$') {
      out += how.anchor(c);
      continue;
    }
    out += c;
  }
  return out;
}

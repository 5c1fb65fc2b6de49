/**
 * Where something lies in a JSON key of a raw line: a detector's literal, a key word or a
 * pattern's wider form in a key (`{"ssn":...}`), or in the name of a name-value object
 * (`{"name":"ssn","value":...}`). The structured path reads the values under such a key, or the
 * value such a name names, with the key or name before it (see scanText), where the line's own
 * patterns may not reach; the line prefilter sends such a line down that path (see prefilter.ts).
 * A name counts only on a line that holds a value member beside some name: a span's `"name"`
 * (`"name":"grpc inventory.Reserve"`) names no value, and was sending one span in forty down the
 * structured path for the `.res` of a reverse-DNS pattern.
 */
import RE2 from 're2';
import type { Literal } from './literals.js';
import { asciiFold } from './literal-automaton.js';
import { holdsText } from './literal-scan.js';
import { withoutCaptures } from './re2-syntax.js';
import { wordsPattern } from './key-words.js';

/**
 * The members that name a name-value object's value (see namedValue in members.ts): `key` and
 * `name` of env lists, tags and OTLP attributes, `ParameterKey` of CloudFormation parameters (as
 * CloudTrail writes CreateStack), `OptionName` of Elastic Beanstalk option settings, `field` of
 * Spring's validation errors, `displayName` of the properties an Entra ID (Azure AD) audit event
 * says it modified (`{"displayName":"StreetAddress","oldValue":...,"newValue":...}`), `propertyName`
 * of a CRM's property-change events (HubSpot's `{"propertyName":"lastname","propertyValue":...}`).
 */
export const NAMES: readonly string[] = ['key', 'name', 'Key', 'Name', 'parameterKey', 'ParameterKey', 'optionName', 'OptionName', 'field', 'displayName', 'propertyName'];

/**
 * The members that hold a name-value object's value (see namedValue in members.ts); an audit
 * trail's change records name the old and new values so too
 * (`{"field":"password","old":"...","new":"..."}`).
 */
export const VALUES: readonly string[] = ['value', 'Value', 'parameterValue', 'ParameterValue', 'rejectedValue', 'newValue', 'oldValue', 'NewValue', 'OldValue', 'new', 'old', 'new_value', 'old_value', 'previousValue', 'previous_value', 'currentValue', 'current_value', 'propertyValue'];

/**
 * The name member of a name-value object in a raw line (see namedValue in members.ts), up to its
 * string's opening quote; or the name an OTLP kvlist's entries give (see kvlistName in
 * act/any-value.ts): the AnyValue of the entry a name member names, as a protobuf encoder writes
 * it, its key first (`{"key":"name","value":{"stringValue":"AWS_SECRET_ACCESS_KEY"}}`).
 */
export const NAME_MEMBER = `(?:["'](?:${NAMES.join('|')})["'][ \\t\\r]*:[ \\t\\r]*|"key"[ \\t\\r]*:[ \\t\\r]*"(?:${NAMES.join('|')})"[ \\t\\r]*,[ \\t\\r]*"value"[ \\t\\r]*:[ \\t\\r]*\\{[ \\t\\r]*"[a-z]+(?:Value|_value)"[ \\t\\r]*:[ \\t\\r]*)`;

/** A value member of a name-value object in a raw line, with either quote (text lines print Python's dicts). */
const VALUE_MEMBER = new RE2(`["'](?:${VALUES.join('|')})["'][ \\t\\r]*:`, 'u');

/** True when a raw line holds a member {@link VALUES} names: only then can a name-value object's name count. */
export function holdsValueMember(input: string | Buffer): boolean {
  return VALUE_MEMBER.test(input);
}

/**
 * The name's string up to where a pattern lies in it: its opening quote, then anything but that
 * quote (`"user's ssn"`, `'ssn "primary"'`) and a line end.
 */
const NAME_STRING = `(?:"[^"\\n]*|'[^'\\n]*)`;

/**
 * A pattern matching where `pattern` lies in a JSON key: it, the rest of the string, its closing
 * quote and a colon; or, with `named`, in the name of a name-value object
 * (`{"name":"ssn","value":...}`, see namedValue in members.ts). The pattern appears twice, so its
 * groups lose their names.
 */
export function inKeyPattern(pattern: string, named = true): string {
  const p = withoutCaptures(pattern) ?? pattern;
  const key = `(?:${p})[^"\\n]*"[ \\t\\r]*:`;
  return named ? `${key}|${NAME_MEMBER}${NAME_STRING}(?:${p})` : key;
}

/**
 * Tests of where something lies in a JSON key of a raw line, by index: a pattern's (see
 * {@link inKeyPattern}) or a key word's (see {@link keyWordInKey}), compiled on first use, with
 * the names of name-value objects and without; one made of a literal is answered on ASCII input
 * without a regex (see {@link literalInKey}).
 */
export class InKeyTests {
  /**
   * Each test's maker of its regex, with names or without (for a line that holds no value
   * member), and the two regexes once made: a policy has thousands of tests, most of them literals
   * that ASCII lines answer without a regex.
   */
  readonly #patterns: Array<{ make: (named: boolean) => string; regexes: [RE2 | undefined, RE2 | undefined] } | undefined> = [];
  readonly #literals: Array<{ text: string | undefined; nocase: boolean } | undefined> = [];

  /** Test `i` is where `pattern` lies in a key (see {@link inKeyPattern}). */
  pattern(i: number, pattern: string): void {
    this.#patterns[i] = { make: (named) => inKeyPattern(pattern, named), regexes: [undefined, undefined] };
  }

  /** Test `i` is where key word `word` lies in a key (see {@link keyWordInKey}). */
  word(i: number, word: string): void {
    this.#patterns[i] = { make: (named) => keyWordInKey(word, named), regexes: [undefined, undefined] };
  }

  /** Test `i` is {@link inKeyPattern} of `source`, a prefilter literal's pattern: `literal`, when it is one. */
  literal(i: number, source: string, literal: Literal | undefined): void {
    this.pattern(i, source);
    if (literal && literal.text.length > 0) this.#literals[i] = { text: asciiFold(literal.text, literal.nocase), nocase: literal.nocase };
  }

  /**
   * Whether one of the tests `list` names holds in `input` (see {@link InKeyTests.holds}), a name
   * counting only where the line holds a value member. An ASCII line is put in lower case once
   * for the literals matched without case: V8 lowers a 300-byte line in about 0.2 us and then
   * finds a literal in it natively, where a byte-by-byte search without case costs about 0.6 us
   * per literal.
   */
  holdsAny(list: readonly number[] | undefined, input: string | Buffer, ascii: boolean): boolean {
    if (!list || list.length === 0) return false;
    let lower: string | undefined;
    // A literal asks whether the line holds a value member only where it closes a name's string
    // (most lines hold none); a regex needs the answer first, once for the line.
    let named: boolean | undefined;
    for (const i of list) {
      const literal = this.#literals[i];
      if (literal && ascii) {
        if (literal.nocase && literal.text !== undefined) lower ??= (input as Buffer).toString('latin1').toLowerCase();
        if (literalInKey(input as Buffer, literal.text, literal.nocase, lower, ASK)) return true;
      } else if (this.holds(i, input, ascii, lower, (named ??= holdsValueMember(input)))) return true;
    }
    return false;
  }

  /**
   * Whether test `i` holds in `input` (false where there is none). `ascii`: `input` is a Buffer of
   * ASCII bytes (see {@link literalInKey}), `lower` the same in lower case where the caller has it.
   * `named`: the names of name-value objects count (the line holds a value member), or {@link ASK}.
   */
  holds(i: number, input: string | Buffer, ascii: boolean, lower?: string, named: Named = true): boolean {
    const literal = this.#literals[i];
    if (literal && ascii) return literalInKey(input as Buffer, literal.text, literal.nocase, lower, named);
    const test = this.#patterns[i];
    if (test === undefined) return false;
    const names = named === ASK ? holdsValueMember(input) : named;
    const re = (test.regexes[names ? 0 : 1] ??= new RE2(test.make(names), 'u'));
    return re.test(input);
  }
}

/** Whether the names of name-value objects count, or {@link ASK}. */
type Named = boolean | typeof ASK;

/** The names count where the line holds a value member ({@link holdsValueMember}), asked only when the answer matters. */
export const ASK = 'ask';

const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const NL = 0x0a;
const COLON = 0x3a;
const COMMA = 0x2c;
const BRACE = 0x7b;

/**
 * {@link inKeyPattern} of a literal, answered for ASCII input without a regex (the same answers,
 * which the tests compare). `text`: the literal as ASCII input holds it, lower case where
 * `nocase` (see asciiFold); undefined when no ASCII input can hold it. Every place the literal
 * occurs is tried: the rest of the string, its closing quote and a colon after it, or, with
 * `named` (see {@link InKeyTests.holds}), a string it lies in opening right after a name member
 * before it.
 */
export function literalInKey(input: Buffer, text: string | undefined, nocase: boolean, lower?: string, named: Named = true): boolean {
  if (text === undefined || text.length === 0) return false;
  // Without case, the places are looked up in the input in lower case when the caller has it
  // (InKeyTests.holdsAny lowers a line once for all its literals), else byte by byte.
  const where = nocase ? lower : input;
  let apostrophes: Apostrophes | undefined;
  for (let at = where ? where.indexOf(text) : indexOfFolded(input, text, 0); at !== -1; at = where ? where.indexOf(text, at + 1) : indexOfFolded(input, text, at + 1)) {
    if (closesKey(input, at + text.length) || (opensNamed(input, at, (apostrophes ??= new Apostrophes(input))) && (named === ASK ? holdsValueMember(input) : named))) return true;
  }
  return false;
}

/**
 * The last apostrophe before a place of a line, for places asked in increasing order: read forward
 * once over the input, so that a line of many places (a megabyte of keys) costs its length once,
 * and nothing at all for a line that holds none (most JSON lines).
 */
class Apostrophes {
  readonly #input: Buffer;
  #first: number | undefined;
  #read = 0;
  #last = -1;
  #lineEnd = -1;

  constructor(input: Buffer) {
    this.#input = input;
  }

  /** The last apostrophe before `end` with no line end after it, or -1; `end` no less than the last asked. */
  before(end: number): number {
    this.#first ??= this.#input.indexOf(APOSTROPHE);
    if (this.#first === -1 || this.#first >= end) return -1;
    if (this.#read < this.#first) this.#read = this.#first;
    for (; this.#read < end; this.#read++) {
      const c = this.#input[this.#read];
      if (c === APOSTROPHE) this.#last = this.#read;
      else if (c === NL) this.#lineEnd = this.#read;
    }
    return this.#last > this.#lineEnd ? this.#last : -1;
  }
}

/** The first place from `from` where ASCII `input` holds `text` (ASCII, lower case) without case, or -1. */
export function indexOfFolded(input: Buffer, text: string, from: number): number {
  const first = text.charCodeAt(0);
  const other = first >= 0x61 && first <= 0x7a ? first - 0x20 : first;
  for (let at = from, last = input.length - text.length; at <= last; at++) {
    const c = input[at] as number;
    if ((c === first || c === other) && holdsText(input, at, text, true)) return at;
  }
  return -1;
}

/** `[^"\n]*"[ \t\r]*:` from `from`. */
function closesKey(input: Buffer, from: number): boolean {
  let j = from;
  while (j < input.length && input[j] !== QUOTE) {
    if (input[j] === NL) return false;
    j += 1;
  }
  if (j >= input.length) return false;
  j = skipSpace(input, j + 1, 1);
  return input[j] === COLON;
}

/**
 * {@link NAME_MEMBER}{@link NAME_STRING} ending at `end`: from the string's opening quote, either:
 * the last `"` before it (read back to it, as near as the last quote of any kind most often) or
 * the last apostrophe (see {@link Apostrophes}).
 */
function opensNamed(input: Buffer, end: number, apostrophes: Apostrophes): boolean {
  let quote = -1;
  for (let j = end - 1; j >= 0 && input[j] !== NL; j--) {
    if (input[j] === QUOTE) {
      quote = j;
      break;
    }
  }
  if (quote !== -1 && namedFrom(input, quote)) return true;
  const apostrophe = apostrophes.before(end);
  return apostrophe !== -1 && namedFrom(input, apostrophe);
}

/** {@link NAME_MEMBER} ending right before the quote at `open`. */
function namedFrom(input: Buffer, open: number): boolean {
  let j = skipSpace(input, open - 1, -1);
  if (input[j] !== COLON) return false;
  j = skipSpace(input, j - 1, -1);
  if (!isQuote(input[j])) return false;
  return nameBefore(input, j, isQuote) !== -1 || (input[j] === QUOTE && kvlistNameBefore(input, j));
}

/**
 * Where a word of {@link NAMES} between two quotes (`quote` tells which count) opens, the closing
 * one at `close`: the opening quote's place, or -1.
 */
function nameBefore(input: Buffer, close: number, quote: (c: number | undefined) => boolean): number {
  for (const word of NAMES) {
    const at = close - word.length;
    if (at >= 1 && quote(input[at - 1]) && holdsText(input, at, word, false)) return at - 1;
  }
  return -1;
}

/**
 * The kvlist entry's form of {@link NAME_MEMBER} (`"key":"name","value":{"stringValue":`), its
 * AnyValue member's closing quote at `close`: read backwards from it.
 */
function kvlistNameBefore(input: Buffer, close: number): boolean {
  let j = close - 1;
  if (holdsText(input, j - 4, 'Value', false)) j -= 5;
  else if (holdsText(input, j - 5, '_value', false)) j -= 6;
  else return false;
  const last = j;
  while (j >= 0 && (input[j] as number) >= 0x61 && (input[j] as number) <= 0x7a) j -= 1;
  if (j === last || input[j] !== QUOTE) return false;
  for (const mark of [BRACE, COLON]) {
    j = skipSpace(input, j - 1, -1);
    if (input[j] !== mark) return false;
  }
  j = skipSpace(input, j - 1, -1);
  if (!holdsText(input, j - 6, '"value"', false)) return false;
  j = skipSpace(input, j - 7, -1);
  if (input[j] !== COMMA) return false;
  j = skipSpace(input, j - 1, -1);
  const open = input[j] === QUOTE ? nameBefore(input, j, (c) => c === QUOTE) : -1;
  if (open === -1) return false;
  j = skipSpace(input, open - 1, -1);
  if (input[j] !== COLON) return false;
  j = skipSpace(input, j - 1, -1);
  return holdsText(input, j - 4, '"key"', false);
}


/** From `j`, in `step`'s direction, past spaces, tabs and carriage returns. */
function skipSpace(input: Buffer, j: number, step: 1 | -1): number {
  let k = j;
  while (k >= 0 && k < input.length && (input[k] === 0x20 || input[k] === 0x09 || input[k] === 0x0d)) k += step;
  return k;
}

function isQuote(c: number | undefined): boolean {
  return c === QUOTE || c === APOSTROPHE;
}

/**
 * As keyWordNet (key-words.ts), where the word lies in a JSON key (the rest of the key, its closing
 * quote and a colon follow) or, with `named`, in the name of a name-value object
 * (`{"name":"bank_rtn","value":...}`).
 */
export function keyWordInKey(word: string, named = true): string {
  const words = wordsPattern(word);
  const key = `${words}(?:[^a-z0-9"\\n][^"\\n]*)?"[ \\t\\r]*:`;
  return named ? `${key}|${NAME_MEMBER}(?:${NAME_STRING})?${words}` : key;
}

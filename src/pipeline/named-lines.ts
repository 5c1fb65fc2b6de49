/**
 * The lines named-values.ts follows, read one at a time: a member alone on its line (YAML `  -
 * name: X`, `    value: 'X'  # note`, pretty JSON `    "value": "X",`), a netrc entry's lines, a
 * key whose value the next line holds (see {@link KeyLine}) and that value's line, and how a value
 * written in one is written again once replaced (see {@link encodeFor}).
 *
 * Every pattern here matches one way only (no two quantifiers can share a run of characters), and
 * a plain scalar's end is found by a scan: a line of a megabyte, or of 40,000 blanks, is read in
 * time linear in its length.
 */
import { NAMES, VALUES } from '../detect/in-key.js';

/** How a value is written in its line: a JSON string, a YAML double- or single-quoted string, a YAML plain scalar, a JSON number, a netrc word, a PHP var_dump string (`string(15) "..."`), a line of a YAML block scalar. */
export type Quoting = 'json' | 'double' | 'single' | 'plain' | 'number' | 'word' | 'var_dump' | 'block';

/** A scalar a member holds: where it is written (UTF-16 offsets of its line; a quoted one's inside), its value, and how it is written. */
export interface Scalar {
  readonly start: number;
  readonly end: number;
  /** A string decoded, a number as read; undefined for a flag or a null. */
  readonly value: string | number | undefined;
  readonly written: string;
  readonly quoting: Quoting;
  /** Where the whole of what is replaced stands when it is more than the value and its quotes (a var_dump string's length with it). */
  readonly outer?: { readonly start: number; readonly end: number };
}

/**
 * A line that names the value the line after it holds, alone (see named-values.ts): its key,
 * the column its first character stands at, and how the value line is written:
 * - `debug`: a Rust struct printed with `{:#?}` whose field's value is wrapped (`    password:
 *   Some(`): the string on a line of its own, deeper (`        "...",`), perhaps in another
 *   wrapper first (`Secret(`);
 * - `var_dump`: a PHP `var_dump` array key or object property (`  ["password"]=>`,
 *   `["token":protected]=>`; with Xdebug, `  'password' =>`, `  protected $token =>`): its string
 *   on the next line at the same column (`string(15) "..."`);
 * - `yaml`: a YAML key with nothing after it (`  password:`): a scalar alone on the next line,
 *   deeper, quoted, a number or a plain scalar of one word (a sentence under a heading that ends
 *   in a colon is none);
 * - `block`: a YAML key whose value is a block scalar (`  password: |`, `  token: >-`, with the
 *   indicators YAML allows and nothing after them): the lines after it, deeper, are the value,
 *   each line's text as written (literal, so `#`, quotes and `: ` are its own), as deep as the
 *   first at least (see {@link BlockLine}).
 */
export interface KeyLine {
  readonly key: string;
  readonly column: number;
  readonly style: 'debug' | 'var_dump' | 'yaml' | 'block';
}

/** A block scalar's key line (see {@link KeyLine}) and, once its first line is read, that line's column: the block's lines start there or deeper. */
export interface BlockLine extends KeyLine {
  readonly indent?: number;
}

const DEBUG_KEY = /^([ \t]+)([A-Za-z_]\w*): [A-Z]\w*\($/;
const DEBUG_WRAPPER = /^([ \t]+)[A-Z]\w*\($/;
/** PHP's `["key"]=>` (`["key":protected]=>`, `["key":"Class":private]=>`) and Xdebug's `'key' =>` and `protected $key =>`. */
const VAR_DUMP_KEY = /^([ \t]*)(?:\["([^"]{1,256})"(?::"[^"]{1,256}")?(?::(?:private|protected))?\]=>|'([^']{1,256})' =>|(?:public|protected|private) \$([A-Za-z_]\w{0,255}) =>)$/;
const VAR_DUMP_STRING = /^([ \t]*)string\((\d{1,9})\) "/;
/** A YAML key alone on its line, a comment after it or not (`password:  # from the vault`). */
const YAML_BARE_KEY = /^([ \t]*)([A-Za-z_][\w.-]*):(?:[ \t]*|[ \t]+#.*)$/;
/** A key whose value is a block scalar: `|` or `>`, then a chomping indicator and an indentation indicator, either first; a comment after them or not. */
const YAML_BLOCK_KEY = /^([ \t]*)([A-Za-z_][\w.-]*):[ \t]+[|>](?:[1-9][+-]?|[+-][1-9]?)?(?:[ \t]*|[ \t]+#.*)$/;

/**
 * A line holding one member only: its key, the column the key starts at, whether a YAML list's
 * dash stands before it, and JSON or not (YAML, or HCL as Terraform prints it: `name  = "X"`).
 * `next`: the value a Terraform plan's change gives the member after its old one (`value = "old"
 * -> "new"`).
 */
export interface MemberLine {
  readonly key: string;
  readonly column: number;
  readonly dash: boolean;
  readonly json: boolean;
  readonly scalar: Scalar;
  readonly next?: Scalar;
}

const NAME_KEYS: ReadonlySet<string> = new Set(NAMES);
const VALUE_KEYS: ReadonlySet<string> = new Set(VALUES);

const INDENT = /[ \t]*/y;
const DASH = /-[ \t]+/y;
const JSON_KEY = /"([A-Za-z_][\w.-]*)"[ \t]*:[ \t]*/y;
const YAML_KEY = /([A-Za-z_][\w.-]*):[ \t]+/y;
/** An HCL attribute as Terraform prints it, its `=` aligned with blanks (`name  = `); not `==` or `=>`. */
const HCL_KEY = /([A-Za-z_][\w-]*)[ \t]*=(?![=>~])[ \t]*/y;
/** What a Terraform plan prints in place of a value: no string (`(sensitive value)`, `(known after apply)`). */
const HCL_UNKNOWN = /\((?:sensitive value|known after apply|sensitive)\)|null|true|false/y;
/** A plan's change between an old and a new value. */
const HCL_ARROW = /[ \t]+->[ \t]+/y;
/**
 * A change marker in a line's indentation: a unified diff's `+` or `-` in the first column, the
 * line's own indentation after it (`+    value: x`, `-  - name: X`); a Terraform plan's `+`, `~`,
 * `-/+`, `+/-` before an attribute, and its `-` before one written `key = value` (before a YAML
 * key, `- ` is a list's dash).
 */
const DIFF_MARKER = /^(?:\+(?=[ \t])|-(?=[ \t][ \t-]))/;
const PLAN_MARKER = /[ \t]*(?:(?:-\/\+|\+\/-|[+~])[ \t](?=[ \t]*\S)|-[ \t](?=[A-Za-z_][\w-]*[ \t]*=(?![=>])))/y;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const JSON_WORD = /true|false|null/y;
const YAML_NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
/** Plain YAML scalars that are no string: a flag or a null. */
const YAML_NOT_STRING = /^(?:true|false|True|False|TRUE|FALSE|null|Null|NULL|~)$/;
/** What a plain scalar cannot start with: a quote, a comment, a block scalar, a flow collection, an anchor, an alias, a tag. */
const NOT_PLAIN_FIRST = new Set(['"', "'", '#', '|', '>', '{', '[', ']', '}', ',', '&', '*', '!', '%', '@', '`']);

/** The text matched by the sticky `re` at `at` in `text`, if any. */
function stickyAt(re: RegExp, text: string, at: number): string | undefined {
  re.lastIndex = at;
  return re.exec(text)?.[0];
}

/**
 * `text` with a change marker in its indentation written as blanks (see {@link DIFF_MARKER}): the
 * line as the manifest or the configuration holds it, its columns kept. A line without one is
 * `text` itself.
 */
export function unmarked(text: string): string {
  const first = text[0];
  if (first !== '+' && first !== '-' && first !== ' ' && first !== '\t') return text;
  let at = DIFF_MARKER.test(text) ? 1 : 0;
  const plan = stickyAt(PLAN_MARKER, text, at);
  if (plan !== undefined) at += plan.length;
  if (at === 0) return text;
  return text.slice(0, at).replace(/[^\t]/g, ' ') + text.slice(at);
}

/** The member `text` holds alone, if it holds one (see the module notes). */
export function memberLine(text: string): MemberLine | undefined {
  let at = (stickyAt(INDENT, text, 0) as string).length;
  const dashed = stickyAt(DASH, text, at);
  if (dashed !== undefined) at += dashed.length;
  else {
    const hcl = hclMember(text, at);
    if (hcl) return hcl;
  }
  const json = text[at] === '"';
  JSON_KEY.lastIndex = at;
  YAML_KEY.lastIndex = at;
  const key = (json ? JSON_KEY : YAML_KEY).exec(text);
  if (!key || (json && dashed !== undefined)) return undefined;
  const scalar = json ? jsonScalar(text, at + key[0].length) : yamlScalar(text, at + key[0].length);
  return scalar && { key: key[1] as string, column: at, dash: dashed !== undefined, json, scalar };
}

/** The key `text` names a value on the next line under, if it is such a line (see {@link KeyLine}); `text` at most a few kilobytes. */
export function keyLine(text: string): KeyLine | undefined {
  let m = DEBUG_KEY.exec(text);
  if (m) return { key: m[2] as string, column: (m[1] as string).length, style: 'debug' };
  if ((m = VAR_DUMP_KEY.exec(text))) return { key: (m[2] ?? m[3] ?? m[4]) as string, column: (m[1] as string).length, style: 'var_dump' };
  if ((m = YAML_BARE_KEY.exec(text))) return { key: m[2] as string, column: (m[1] as string).length, style: 'yaml' };
  if ((m = YAML_BLOCK_KEY.exec(text)) && !VALUE_KEYS.has(m[2] as string)) return { key: m[2] as string, column: (m[1] as string).length, style: 'block' };
  return undefined;
}

/**
 * A value member whose value is a block scalar (`    value: |`), if `text` is one: under a name
 * line (see named-values.ts) its lines are the named value's. Alone it opens nothing (no name
 * says what the value is), so it is no key line: what it reads depends on the lines before it.
 */
export function valueBlockLine(text: string): KeyLine | undefined {
  const m = YAML_BLOCK_KEY.exec(text);
  return m && VALUE_KEYS.has(m[2] as string) ? { key: m[2] as string, column: (m[1] as string).length, style: 'block' } : undefined;
}

/**
 * What the line after a key line holds, read as `key` says (see {@link KeyLine}): the value's
 * scalar; for a Rust value, a wrapper it opens first (`Secret(`: its column, the string deeper
 * still); else nothing (the key's value is no string alone on its line).
 */
export function keyLineValue(text: string, key: BlockLine): { scalar: Scalar } | { wrapper: number } | undefined {
  const column = (stickyAt(INDENT, text, 0) as string).length;
  if (key.style === 'block') {
    // A line of the block: its text past its blanks, the blanks after it not its own.
    if (column <= key.column || column < (key.indent ?? column)) return undefined;
    let end = text.length;
    while (end > column && (text[end - 1] === ' ' || text[end - 1] === '\t' || text[end - 1] === '\r')) end--;
    if (end === column) return undefined;
    const written = text.slice(column, end);
    return { scalar: { start: column, end, value: written, written, quoting: 'block' } };
  }
  if (key.style === 'debug') {
    if (column <= key.column) return undefined;
    const wrapper = DEBUG_WRAPPER.exec(text);
    if (wrapper) return { wrapper: column };
    const written = quoted(text, column);
    if (written === undefined) return undefined;
    let k = column + written.length;
    if (text[k] === ',') k += 1;
    if (k !== text.length) return undefined;
    const inside = written.slice(1, -1);
    return { scalar: { start: column + 1, end: column + written.length - 1, value: jsonString(written) ?? inside, written: inside, quoting: 'double' } };
  }
  if (key.style === 'var_dump') {
    const m = column === key.column ? VAR_DUMP_STRING.exec(text) : null;
    if (!m || text.length - m[0].length < 1 || !text.endsWith('"')) return undefined;
    const start = m[0].length;
    const inside = text.slice(start, -1);
    return { scalar: { start, end: text.length - 1, value: inside, written: inside, quoting: 'var_dump', outer: { start: column, end: text.length } } };
  }
  if (column <= key.column || text[column] === '-' || memberLine(text) !== undefined) return undefined;
  const scalar = yamlScalar(text, column);
  // A plain scalar of one word only: prose under a heading that ends in a colon (`passwords:`, then a sentence) is none.
  if (!scalar || scalar.value === undefined || (scalar.quoting === 'plain' && /[ \t]/.test(scalar.written))) return undefined;
  return { scalar };
}

/** A name line's key and name: a name member holding a string, indented or after a list's dash. */
export function nameOf(m: MemberLine | undefined): string | undefined {
  if (!m || m.column === 0 || !NAME_KEYS.has(m.key) || m.scalar.quoting === 'number') return undefined;
  const name = m.scalar.quoting === 'plain' ? m.scalar.written : m.scalar.value;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** True when `m` holds a value member (one {@link VALUES} names). */
export function isValueMember(m: MemberLine): boolean {
  return VALUE_KEYS.has(m.key);
}

/** True when `m` holds a member that is neither a name nor a value (a sibling: `"slotSetting": false`, `Type: SecureString`). */
export function isSibling(m: MemberLine): boolean {
  return !VALUE_KEYS.has(m.key) && !NAME_KEYS.has(m.key);
}

/**
 * An HCL attribute at `at` holding a scalar, as Terraform prints one: a quoted string (its escapes
 * JSON's), a number, or what stands for no string (`null`, `(sensitive value)`); in a plan, a
 * change from one to another (`"old" -> "new"`); a comment after it (`# forces replacement`).
 */
function hclMember(text: string, at: number): MemberLine | undefined {
  HCL_KEY.lastIndex = at;
  const key = HCL_KEY.exec(text);
  if (!key) return undefined;
  const scalar = hclScalar(text, at + key[0].length);
  if (!scalar) return undefined;
  let k = scalar.to;
  let next: Scalar | undefined;
  const arrow = stickyAt(HCL_ARROW, text, k);
  if (arrow !== undefined) {
    const after = hclScalar(text, k + arrow.length);
    if (!after) return undefined;
    next = after.scalar;
    k = after.to;
  }
  k = skipBlanks(text, k);
  if (k < text.length && text[k] !== '#') return undefined;
  return { key: key[1] as string, column: at, dash: false, json: false, scalar: scalar.scalar, ...(next && { next }) };
}

/** An HCL scalar at `at` (see {@link hclMember}) and where it ends. */
function hclScalar(text: string, at: number): { scalar: Scalar; to: number } | undefined {
  let written: string | undefined;
  if ((written = quoted(text, at)) !== undefined && written[0] === '"') {
    const inside = written.slice(1, -1);
    return { scalar: { start: at + 1, end: at + written.length - 1, value: jsonString(written) ?? inside, written: inside, quoting: 'double' }, to: at + written.length };
  }
  if ((written = stickyAt(NUMBER, text, at)) !== undefined) return { scalar: { start: at, end: at + written.length, value: Number(written), written, quoting: 'number' }, to: at + written.length };
  if ((written = stickyAt(HCL_UNKNOWN, text, at)) !== undefined) return { scalar: { start: at, end: at + written.length, value: undefined, written, quoting: 'number' }, to: at + written.length };
  return undefined;
}

/** A JSON scalar at `at`, then only blanks and a comma. */
function jsonScalar(text: string, at: number): Scalar | undefined {
  let written: string | undefined;
  let scalar: Scalar | undefined;
  if ((written = quoted(text, at)) !== undefined) {
    const value = jsonString(written);
    scalar = value === undefined ? undefined : { start: at + 1, end: at + written.length - 1, value, written: written.slice(1, -1), quoting: 'json' };
  } else if ((written = stickyAt(NUMBER, text, at)) !== undefined) {
    scalar = { start: at, end: at + written.length, value: Number(written), written, quoting: 'number' };
  } else if ((written = stickyAt(JSON_WORD, text, at)) !== undefined) {
    scalar = { start: at, end: at + written.length, value: undefined, written, quoting: 'number' };
  }
  if (!scalar) return undefined;
  let k = at + (written as string).length;
  k = skipBlanks(text, k);
  if (text[k] === ',') k = skipBlanks(text, k + 1);
  return k === text.length ? scalar : undefined;
}

/** A YAML scalar at `at` (quoted, or plain up to a comment), then only blanks and a comment. */
function yamlScalar(text: string, at: number): Scalar | undefined {
  const first = text[at];
  if (first === undefined) return undefined;
  if (first === '"' || first === "'") {
    const written = quoted(text, at);
    if (written === undefined) return undefined;
    const inside = written.slice(1, -1);
    const value = first === '"' ? (jsonString(written) ?? inside) : inside.replace(/''/g, "'");
    const k = skipBlanks(text, at + written.length);
    // A comment may follow, after a blank.
    if (k < text.length && !(text[k] === '#' && k > at + written.length)) return undefined;
    return { start: at + 1, end: at + written.length - 1, value, written: inside, quoting: first === '"' ? 'double' : 'single' };
  }
  if (NOT_PLAIN_FIRST.has(first) || first === ' ' || first === '\t') return undefined;
  // A plain scalar ends at a comment (` #`) or the line's end, its trailing blanks not its own.
  let end = text.length;
  for (let h = text.indexOf('#', at); h !== -1; h = text.indexOf('#', h + 1)) {
    if (text[h - 1] === ' ' || text[h - 1] === '\t') {
      end = h;
      break;
    }
  }
  while (end > at && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  const written = text.slice(at, end);
  const value = YAML_NOT_STRING.test(written) ? undefined : YAML_NUMBER.test(written) ? Number(written) : written;
  return { start: at, end, value, written, quoting: 'plain' };
}

/** The string quoted at `at` (`"` with backslash escapes, or `'` with `''` for a quote), its quotes included, if it is closed. */
function quoted(text: string, at: number): string | undefined {
  const q = text[at];
  if (q !== '"' && q !== "'") return undefined;
  for (let k = at + 1; k < text.length; k++) {
    const c = text[k];
    if (q === '"' && c === '\\') k++;
    else if (c === q) {
      if (q === "'" && text[k + 1] === "'") k++;
      else return text.slice(at, k + 1);
    }
  }
  return undefined;
}

function skipBlanks(text: string, k: number): number {
  while (k < text.length && (text[k] === ' ' || text[k] === '\t')) k++;
  return k;
}

/** A JSON string literal's value, or undefined when it is not one. */
export function jsonString(literal: string): string | undefined {
  try {
    const v: unknown = JSON.parse(literal);
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A replacement a plain YAML scalar can hold as it is: printable, no comment, no mapping, not read as another type. */
const SAFE_PLAIN = /^[\w./+=~^$()<-][\x20-\x7e]*$/;
const PLAIN_BREAKS = / #|: |[ :]$/;

/**
 * `replaced` written as the value it replaces was, its quotes included for a quoted one (see
 * {@link quotedSpan}): JSON-escaped in a JSON or YAML double-quoted string; in a single-quoted one
 * its `'` doubled, or double-quoted and escaped when it holds a control character (a line end in
 * it would start another line); a JSON number replaced becomes a string (as the structured path
 * writes a number it replaced); a plain scalar stays plain when it reads back the same, else is
 * double-quoted; a netrc word is quoted when it holds a blank or is empty; a var_dump string is
 * written with its new length in bytes (the old one would tell the secret's); a block scalar's
 * line as it is, a control character escaped as JSON escapes it. A dropped value (`drop-field`:
 * the empty text) leaves an empty string, `""` (a block's line, its blanks): the member's line
 * stays, valid, holding nothing, as a line cannot lose a member without its neighbours' commas
 * changing.
 */
export function encodeFor(quoting: Quoting, replaced: string): string {
  switch (quoting) {
    case 'json':
    case 'double':
    case 'number':
      return JSON.stringify(replaced);
    case 'single':
      return replaced !== '' && !hasControl(replaced) ? `'${replaced.replace(/'/g, "''")}'` : JSON.stringify(replaced);
    case 'plain':
      return SAFE_PLAIN.test(replaced) && !PLAIN_BREAKS.test(replaced) && !YAML_NOT_STRING.test(replaced) && !YAML_NUMBER.test(replaced) ? replaced : JSON.stringify(replaced);
    case 'word':
      return /^[\x21-\x7e]+$/.test(replaced) && !replaced.includes('"') ? replaced : JSON.stringify(replaced);
    case 'block':
      // Literal text: anything but a line end, which would end the line (a control character is written as JSON would).
      return hasControl(replaced) ? JSON.stringify(replaced).slice(1, -1) : replaced;
    case 'var_dump': {
      // Its length says what it holds now; no escapes (var_dump writes none): a control character, a line end among them, is written as JSON would.
      const inside = hasControl(replaced) ? JSON.stringify(replaced).slice(1, -1) : replaced;
      return `string(${Buffer.byteLength(inside, 'utf8')}) "${inside}"`;
    }
  }
}

/** True when `text` holds a control character (a line end among them). */
function hasControl(text: string): boolean {
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** The span an edit replaces for a value written at `start`..`end`: a quoted one's quotes with it. */
export function quotedSpan(quoting: Quoting, start: number, end: number, outer?: { start: number; end: number }): { start: number; end: number } {
  if (outer) return { start: outer.start, end: outer.end };
  return quoting === 'json' || quoting === 'double' || quoting === 'single' ? { start: start - 1, end: end + 1 } : { start, end };
}

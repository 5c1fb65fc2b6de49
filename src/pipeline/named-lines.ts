/**
 * The lines named-values.ts follows, read one at a time: a member alone on its line (YAML `  -
 * name: X`, `    value: 'X'  # note`, pretty JSON `    "value": "X",`), a netrc entry's lines, and
 * how a value written in one is written again once replaced (see {@link encodeFor}).
 *
 * Every pattern here matches one way only (no two quantifiers can share a run of characters), and
 * a plain scalar's end is found by a scan: a line of a megabyte, or of 40,000 blanks, is read in
 * time linear in its length.
 */
import { NAMES, VALUES } from '../detect/in-key.js';

/** How a value is written in its line: a JSON string, a YAML double- or single-quoted string, a YAML plain scalar, a JSON number, a netrc word. */
export type Quoting = 'json' | 'double' | 'single' | 'plain' | 'number' | 'word';

/** A scalar a member holds: where it is written (UTF-16 offsets of its line; a quoted one's inside), its value, and how it is written. */
export interface Scalar {
  readonly start: number;
  readonly end: number;
  /** A string decoded, a number as read; undefined for a flag or a null. */
  readonly value: string | number | undefined;
  readonly written: string;
  readonly quoting: Quoting;
}

/** A line holding one member only: its key, the column the key starts at, whether a YAML list's dash stands before it, and JSON or YAML. */
export interface MemberLine {
  readonly key: string;
  readonly column: number;
  readonly dash: boolean;
  readonly json: boolean;
  readonly scalar: Scalar;
}

const NAME_KEYS: ReadonlySet<string> = new Set(NAMES);
const VALUE_KEYS: ReadonlySet<string> = new Set(VALUES);

const INDENT = /[ \t]*/y;
const DASH = /-[ \t]+/y;
const JSON_KEY = /"([A-Za-z_][\w.-]*)"[ \t]*:[ \t]*/y;
const YAML_KEY = /([A-Za-z_][\w.-]*):[ \t]+/y;
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

/** The member `text` holds alone, if it holds one (see the module notes). */
export function memberLine(text: string): MemberLine | undefined {
  let at = (stickyAt(INDENT, text, 0) as string).length;
  const dashed = stickyAt(DASH, text, at);
  if (dashed !== undefined) at += dashed.length;
  const json = text[at] === '"';
  JSON_KEY.lastIndex = at;
  YAML_KEY.lastIndex = at;
  const key = (json ? JSON_KEY : YAML_KEY).exec(text);
  if (!key || (json && dashed !== undefined)) return undefined;
  const scalar = json ? jsonScalar(text, at + key[0].length) : yamlScalar(text, at + key[0].length);
  return scalar && { key: key[1] as string, column: at, dash: dashed !== undefined, json, scalar };
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
 * double-quoted; a netrc word is quoted when it holds a blank or is empty. A dropped value
 * (`drop-field`: the empty text) leaves an empty string, `""`: the member's line stays, valid,
 * holding nothing, as a line cannot lose a member without its neighbours' commas changing.
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
export function quotedSpan(quoting: Quoting, start: number, end: number): { start: number; end: number } {
  return quoting === 'json' || quoting === 'double' || quoting === 'single' ? { start: start - 1, end: end + 1 } : { start, end };
}

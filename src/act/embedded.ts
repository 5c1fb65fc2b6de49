/**
 * Key rules inside text. A log message often carries JSON of its own, a request body or a config
 * dump (`"request: {\"client_secret\":\"s3cr3t\"}"`), and a text line may be such JSON after a
 * prefix (`payload={"api_token":"x1"}`, Python's `headers={'Cookie': 'sid=...'}`): a `redact`
 * rule applies to the values its keys hold there too, as it does to the record's own fields. A
 * value is a string, each string of an array of strings (`{"Cookie":["sid=..."]}`, as Go writes
 * header maps), a number (`42`, `0xDEADBEEF`), or an object or other array, taken whole as a key
 * rule takes a record's; in an object that names its value (`{"name":"DB_PASSWORD","value":...}`),
 * the rule the name decides takes the value. Pairs are read in the text as written and in its
 * readings: JSON escapes decoded once more (`{\"token\":\"x1\"}` inside a string), percent-escapes
 * and character references decoded (`state=%7B%22access_token%22...`). SQL names its values by
 * their columns (see sql.ts). A value taken is taken again where it repeats in the same text, in
 * any of its readings.
 */
import RE2 from 're2';
import type { KeyDecision, KeyRules } from '../detect/key-rules.js';
import type { KeyRuleSpec } from '../detect/pack.js';
import type { TokenRef } from '../crypto/token.js';
import { containerEnd } from '../codecs/json-text.js';
import { decodedViews, hasEscapes } from '../detect/escapes.js';
import { holdsEscape, SequenceSpans, terminalCodesView } from '../detect/terminal-codes.js';
import { repeatsIn, ValueSet } from '../detect/repeats.js';
import { boundMembers, conditionalMembers, unquoted } from './embedded-objects.js';
import { namesKey } from './argument-items.js';
import { NAME_KEYS, nameMayBeValue, takes, VALUE_KEYS } from './members.js';
import { diagnosedValues } from './diagnosed.js';
import { sqlValues } from './sql.js';

/** A number as code writes one. */
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** A value a key rule takes inside a text: where it is written, and the rule. */
export interface EmbeddedValue {
  start: number;
  end: number;
  rule: KeyRuleSpec;
  /** The key pattern that matched (`*_token`): the finding is named `key:<pattern>`. */
  pattern: string;
  /** The value as JSON reads it, when that is not the text as written (`C:\\x` is `C:\x`). */
  value?: string;
  /** Of an object or array taken whole, the strings it holds, keys too: they are looked for again. */
  leaves?: string[];
}

/** A quoted string, double or single quotes, escapes inside, no line end; Python's `u'...'` and `b'...'` too. */
const STRING = String.raw`[uUbB]?(?:"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')`;
/**
 * Key, separator, then a string, an array of strings, a number (a hex literal too; not a bare
 * word: `field "password": expected string` is prose), or the opening bracket of an object or
 * another array (taken whole up to its closing one, see {@link containerEnd}). RE2: the time stays
 * linear in the text whatever it holds.
 */
const PAIR = new RE2(String.raw`[uUbB]?(?:"(?:[^"\\\n]|\\.){1,256}"|'(?:[^'\\\n]|\\.){1,256}')[ \t\r\n]*:[ \t\r\n]*(?:${STRING}|\[[ \t\r\n]*(?:${STRING})(?:[ \t\r\n]*,[ \t\r\n]*(?:${STRING}))*[ \t\r\n]*\]|-?[0-9][0-9A-Za-z.+_-]*|[\[{])`, 'gu');
const ITEM = new RE2(STRING, 'gu');
/**
 * One entry of a map written as its entries: a key, then a string, a number or a null (Ruby's nil,
 * Python's None), in brackets or, as Python prints a list of tuples, in parentheses.
 */
const ENTRY_VALUE = String.raw`[ \t]*${STRING}[ \t]*,[ \t]*(?:${STRING}|-?[0-9][0-9A-Za-z.+_-]*|nil|null|NULL|None|true|false|True|False)[ \t]*`;
const ENTRY = String.raw`(?:\[${ENTRY_VALUE}\]|\(${ENTRY_VALUE}\))`;
/**
 * A map written as its entries (`[["full_name", "Ada"], ["date_of_birth", "1992-01-09"]]`, the
 * bind parameters of a Rails query, `Object.entries` printed, a Python list of tuples as
 * `OrderedDict` and `dict.items()` print it), and one entry of it.
 */
const ENTRIES = new RE2(String.raw`\[[ \t]*${ENTRY}(?:[ \t]*,[ \t]*${ENTRY})*[ \t]*,?[ \t]*\]`, 'gu');
const ONE_ENTRY = new RE2(ENTRY, 'gu');
/** A quick test that `text` may hold a map written as its entries. */
const MAY_HOLD_ENTRIES = /\[[ \t]*[[(][ \t]*[uUbB]?["']/;
/** What follows a string that is a member's name. */
const NAME_AFTER = /^[ \t\r\n]*(?::|=>)/;
/** A quick test that `text` may hold a pair. */
const MAY_HOLD = /["'][ \t\r\n]*:/;

/** A reading of the text: what it reads, and where each of its units stands in the text. */
interface View {
  text: string;
  at?: readonly number[];
  /** Where a span ending at each unit ends in the text, when that is not `at` of it (see DecodedView). */
  end?: readonly number[];
}

/**
 * The values a `redact` key rule takes in `text`, in order, not overlapping. `tokens`: the tokens
 * the text holds, which a repeat is not looked for inside, and a value that is one is not taken.
 */
export function embeddedValues(text: string, rules: KeyRules, tokens: () => readonly TokenRef[] = () => []): EmbeddedValue[] {
  // Laravel's QueryException may hold none of these (see splicedBindings in sql-logged.ts).
  if (rules.empty || !(text.includes('"') || text.includes("'") || text.includes('%') || text.includes('&') || text.includes('\\') || text.includes('=') || text.includes('SQL: '))) return [];
  const views: View[] = [{ text }];
  const unescaped = text.includes('\\') ? jsonUnescaped(text) : undefined;
  if (unescaped) views.push(unescaped);
  if (hasEscapes(text)) views.push(...decodedViews(text));
  // Each reading without its terminal sequences, where it holds some (written, or spelled by its
  // escapes): a colour around a column's name or inside a list of bindings (see terminal-codes.ts).
  // A value read so is taken rather than one another reading takes across it (the colours inside).
  // The text's own such reading still holds the sequences written as escapes: a value it reads
  // across one (`Hunter2\u001b[1;31m` read to `;`) is not taken before the others.
  const spans = holdsEscape(text) ? new SequenceSpans(text) : undefined;
  const bare = views.flatMap((v, i) => {
    const plain = holdsEscape(v.text) ? terminalCodesView(v.text) : undefined;
    return plain ? valuesIn(text, throughView(v, plain), rules).map((value) => ({ value, first: i > 0 || !spans?.crosses(value.start, value.end, true) })) : [];
  });
  const kept = bare.flatMap((b) => (b.first ? [b.value] : []));
  const others = [...bare.flatMap((b) => (b.first ? [] : [b.value])), ...views.flatMap((v) => valuesIn(text, v, rules))];
  const overlaps = (a: EmbeddedValue, b: EmbeddedValue): boolean => a.start < b.end && b.start < a.end;
  const found = [...kept, ...others.filter((v) => !kept.some((b) => overlaps(v, b)))];
  if (found.length === 0) return found;
  // Where two readings take a value at the same place, the earlier reading's (the text as
  // written first): `"k":"ab\\", "n": 1` unescaped once more reads a string that runs on.
  // Unless the earlier reading's string ends where no value can (`"{\\"host\\":...`, a JSON text in
  // a JSON string in a Python bytes repr, as botocore logs a response body) and a later reading's runs on.
  // A value that is a token the text holds is redacted already (a record read again).
  const cut = (v: EmbeddedValue): boolean => /^["'][^\s,;:}\])]/.test(text.slice(v.end, v.end + 2)) && found.some((w) => w.start === v.start && w.end > v.end);
  const own = text.includes('[[') ? tokens() : [];
  const taken = disjoint(found.filter((v) => !cut(v)), true).filter((v) => !own.some((t) => t.start <= v.start && v.end <= t.end));
  // Repeats, as written and as read.
  const byValue = new Map<string, EmbeddedValue>();
  for (const v of taken) for (const form of [text.slice(v.start, v.end), v.value ?? '', ...(v.leaves ?? [])]) if (form !== '' && !byValue.has(form)) byValue.set(form, v);
  // In the text's other readings too (`tok%41BC...` spells `tokABC...`).
  for (const { start, end, value } of repeatsIn(text, new ValueSet(byValue.keys()), tokens)) {
    const { rule, pattern } = byValue.get(value) as EmbeddedValue;
    taken.push({ start, end, rule, pattern, ...(text.slice(start, end) !== value ? { value } : {}) });
  }
  return disjoint(taken);
}

/**
 * The values that rules with conditions (KeyRuleSpec.where) take in the JSON objects of `text`
 * (see conditionalMembers).
 */
function conditionalValues(text: string, rules: KeyRules): EmbeddedValue[] {
  const out: EmbeddedValue[] = [];
  for (const m of conditionalMembers(text, rules)) takeValue(text, out, m.rule, m.pattern, m.value, m.valueStart);
  return out;
}

/**
 * Between two members of one object: a comma, and before the next key its Python prefix if any
 * (`u'value'`); or other members with a string, a number or a word between them, as an object
 * holds them beside its name and its value in any order (`{"Name":"/prod/db_password",
 * "Type":"SecureString","Value":"..."}`, an SSM call's body).
 */
const SEPARATOR = new RE2(String.raw`^(?:[ \t\r\n]*,[ \t\r\n]*[uUbB]?${STRING}[ \t\r\n]*:[ \t\r\n]*(?:${STRING}|[\w.+-]+))*[ \t\r\n]*,[ \t\r\n]*[uUbB]?$`, 'u');
/** The most text {@link SEPARATOR} is asked about: members beyond it are another object's as often as this one's. */
const MAX_BETWEEN = 1024;

function membersBetween(text: string, from: number, to: number): boolean {
  return to - from <= MAX_BETWEEN && SEPARATOR.test(text.slice(from, to));
}

/** A member whose value a rule may take: where its key starts, and its value as the pattern matched it. */
interface Member {
  keyStart: number;
  value: string;
  valueStart: number;
  /** Where the member ends (past an object or array it holds). */
  end: number;
}

/** What follows the class a PHP var_dump names after a private member's name. */
const VAR_DUMP_CLASS = /^:private\]=>/;

/**
 * The values in `text` as written, in their own offsets. A value is taken by the rule its key
 * decides, or, in an object that names it (a Kubernetes env entry, an OTLP attribute, an AWS tag:
 * `{"name":"DB_PASSWORD","value":"..."}`, in either order), by the rule its name decides, as the
 * record's own fields are read.
 */
function pairsIn(text: string, rules: KeyRules): EmbeddedValue[] {
  const out: EmbeddedValue[] = [];
  /** The last member that names a value a rule takes, and the last `value` member. */
  let named: { rule: KeyRuleSpec; pattern: string; end: number } | undefined;
  let valued: Member | undefined;
  PAIR.lastIndex = 0;
  for (let m = PAIR.exec(text); m !== null; m = PAIR.exec(text)) {
    const { keyFrom, keyTo, valueFrom } = pairParts(m[0]);
    const rawKey = m[0].slice(keyFrom, keyTo);
    const key = unquoted(rawKey);
    const keyStart = m.index + keyFrom;
    const value = m[0].slice(valueFrom);
    const valueStart = m.index + valueFrom;
    const member: Member = { keyStart, value, valueStart, end: valueStart + value.length };
    if (key !== undefined && VALUE_KEYS.has(key)) {
      if (value === '{' || value === '[') member.end = containerEnd(text, valueStart) ?? member.end;
      if (named && membersBetween(text, named.end, keyStart)) {
        const next = takeValue(text, out, named.rule, named.pattern, value, valueStart);
        // A value member right after this one answers to the name too (an audit event's oldValue, newValue).
        named = { ...named, end: member.end };
        if (next !== undefined) {
          PAIR.lastIndex = next;
          continue;
        }
      }
      valued = member;
    } else if (key !== undefined && NAME_KEYS.has(key) && /^[uUbB]?["']/.test(value)) {
      const name = unquoted(value.replace(/^[uUbB]/, ''));
      const byName = name === undefined ? undefined : rules.decide(name);
      if (byName?.mode === 'redact' && byName.rule) {
        const pattern = byName.pattern ?? name ?? '';
        // The value before its name (`{"value":"...","name":"DB_PASSWORD"}`).
        if (valued && membersBetween(text, valued.end, keyStart)) takeValue(text, out, byName.rule, pattern, valued.value, valued.valueStart);
        named = { rule: byName.rule, pattern, end: member.end };
      }
    }
    // PHP var_dump names a private member's class after the member's name (`["secret":"App\User":private]=>`): no value.
    const varDumpClass = text[keyStart - 1] === '[' && VAR_DUMP_CLASS.test(text.slice(member.end, member.end + 12));
    const decision: KeyDecision | undefined = key === undefined || varDumpClass ? undefined : rules.decide(key);
    if (decision?.mode !== 'redact' || !decision.rule) {
      // What the match took as a value may open the next key (`"body":"{"token":...`, JSON escaped
      // in a string, read unescaped): go on right after this key.
      PAIR.lastIndex = keyStart + rawKey.length;
      continue;
    }
    const next = takeValue(text, out, decision.rule, decision.pattern ?? key ?? '', value, valueStart, key);
    if (next !== undefined) PAIR.lastIndex = next;
  }
  return out;
}

/**
 * The values of maps written as their entries in `text` (see {@link ENTRIES}), in their own
 * offsets: each string value by the `redact` rule its key selects, as entryRules in argument-items.ts
 * reads such a list in a record. A value that is itself a key a rule names (`["password",
 * "token"]`) is a pair of field names; a number is left to the detectors, as there.
 */
function entriesIn(text: string, rules: KeyRules): EmbeddedValue[] {
  const out: EmbeddedValue[] = [];
  ENTRIES.lastIndex = 0;
  for (let list = ENTRIES.exec(text); list !== null; list = ENTRIES.exec(text)) {
    ONE_ENTRY.lastIndex = 0;
    for (let entry = ONE_ENTRY.exec(list[0]); entry !== null; entry = ONE_ENTRY.exec(list[0])) {
      ITEM.lastIndex = 0;
      const key = ITEM.exec(entry[0]);
      const value = key === null ? null : ITEM.exec(entry[0]);
      if (key === null || value === null) continue;
      const name = unquoted(key[0].replace(/^[uUbB]/, ''));
      const decision = name === undefined ? undefined : rules.decide(name);
      if (decision?.mode !== 'redact' || !decision.rule) continue;
      const read = unquoted(value[0].replace(/^[uUbB]/, ''));
      if (read !== undefined && namesKey(rules, read)) continue;
      takeValue(text, out, decision.rule, decision.pattern ?? name ?? '', value[0], list.index + entry.index + value.index);
    }
  }
  return out;
}

/**
 * Where the quoted key and the value of a {@link PAIR} match are in it. The pattern holds no
 * capture groups: with them RE2 runs its slower submatch engine over every match (its bounded
 * repetitions make a large program), which more than doubled the time of a JSON text's pairs.
 * The parts are found again here, as the pattern has them: the key is a quoted string, which
 * ends at the first quote of its kind not escaped; the value follows the colon and the spaces,
 * and starts with none.
 */
function pairParts(match: string): { keyFrom: number; keyTo: number; valueFrom: number } {
  const keyFrom = match[0] === '"' || match[0] === "'" ? 0 : 1;
  const quote = match[keyFrom];
  let i = keyFrom + 1;
  while (match[i] !== quote) i += match[i] === '\\' ? 2 : 1;
  const keyTo = i + 1;
  i = keyTo;
  while (match[i] !== ':') i++;
  i++;
  while (match[i] === ' ' || match[i] === '\t' || match[i] === '\r' || match[i] === '\n') i++;
  return { keyFrom, keyTo, valueFrom: i };
}

/**
 * Adds to `out` the value a rule takes: a string, each string of an array of strings, a number,
 * or an object or array whole (`value` is then its opening bracket). Returns where the search goes
 * on when the value was an object or array (past it), else undefined. A string of an array that
 * is the `key` itself is its name written again, no value: Node's request prints its headers as
 * `'x-api-key': [ 'X-Api-Key', '...' ]` (kOutHeaders), the name as sent before the value.
 */
function takeValue(text: string, out: EmbeddedValue[], rule: KeyRuleSpec, pattern: string, value: string, valueStart: number, key?: string): number | undefined {
  // A rule that takes strings only (see KeyRuleSpec.strings) leaves a number, object or array to
  // detection; one that takes strings and numbers of a form (KeyRuleSpec.matching), an object, an
  // array, and a number of another form.
  const quoted = /^[uUbB]?["']/.test(value);
  if (rule.strings === true && !quoted) return undefined;
  if (rule.matching !== undefined && !quoted && !(NUMBER.test(value) && takes(rule, Number(value)))) return undefined;
  if (value === '{' || value === '[') {
    // An object or a mixed array: the whole of it, as a key rule takes a record's.
    const end = containerEnd(text, valueStart);
    if (end === undefined) return undefined;
    const leaves: string[] = [];
    ITEM.lastIndex = 0;
    const inside = text.slice(valueStart, end);
    for (let item = ITEM.exec(inside); item !== null; item = ITEM.exec(inside)) {
      const read = unquoted(item[0].replace(/^[uUbB]/, ''));
      // A member's name only where it may be a value (see nameMayBeValue).
      const isName = NAME_AFTER.test(inside.slice(item.index + item[0].length, item.index + item[0].length + 8));
      if (read && (!isName || nameMayBeValue(read))) leaves.push(read);
    }
    out.push({ start: valueStart, end, rule, pattern, leaves });
    return end;
  }
  const strings: Array<[number, string]> = [];
  if (value.startsWith('[')) {
    ITEM.lastIndex = 0;
    for (let item = ITEM.exec(value); item !== null; item = ITEM.exec(value)) strings.push([valueStart + item.index, item[0]]);
  } else if (/^[uUbB]?["']/.test(value)) strings.push([valueStart, value]);
  else out.push({ start: valueStart, end: valueStart + value.length, rule, pattern });
  const name = strings.length > 1 ? key?.toLowerCase() : undefined;
  for (const [from, item] of strings) {
    // Past a `u` or `b` prefix.
    const skip = /^[uUbB]/.test(item) ? 1 : 0;
    const at = from + skip;
    const quoted = item.slice(skip);
    if (quoted.length <= 2) continue;
    const read = unquoted(quoted);
    const written = quoted.slice(1, -1);
    if (name !== undefined && (read ?? written).toLowerCase() === name) continue;
    if (!takes(rule, read ?? written)) continue;
    out.push({ start: at + 1, end: at + quoted.length - 1, rule, pattern, ...(read !== undefined && read !== written ? { value: read } : {}) });
  }
  return undefined;
}

/** The values the rules take in one reading of `text` (`view`), mapped onto `text`. */
function valuesIn(text: string, view: View, rules: KeyRules): EmbeddedValue[] {
  const at = (i: number): number => (view.at ? (view.at[i] as number) : i);
  const endAt = (i: number): number => (view.end ? (view.end[i] as number) : at(i));
  const values: EmbeddedValue[] = [
    ...(MAY_HOLD.test(view.text) ? [...pairsIn(view.text, rules), ...conditionalValues(view.text, rules), ...boundMembers(view.text, rules)] : []),
    ...(MAY_HOLD_ENTRIES.test(view.text) ? entriesIn(view.text, rules) : []),
    ...sqlValues(view.text, rules),
    ...diagnosedValues(view.text, rules),
  ];
  return values.map((v) => {
    const start = at(v.start);
    const end = endAt(v.end);
    const read = v.value ?? view.text.slice(v.start, v.end);
    return { start, end, rule: v.rule, pattern: v.pattern, ...(read !== text.slice(start, end) ? { value: read } : {}), ...(v.leaves ? { leaves: v.leaves } : {}) };
  });
}

/** `inner`, a reading of `outer`'s text, mapped onto what `outer` reads. */
function throughView(outer: View, inner: View): View {
  const at = (i: number): number => (outer.at ? (outer.at[i] as number) : i);
  const endAt = (i: number): number => (outer.end ? (outer.end[i] as number) : at(i));
  const innerAt = inner.at ?? [];
  return { text: inner.text, at: innerAt.map(at), end: (inner.end ?? innerAt).map(endAt) };
}

/**
 * The spans in order, each one that overlaps an earlier one left out. Of spans that start at the
 * same place the longest is kept, or with `listOrder` the first listed.
 */
function disjoint(values: readonly EmbeddedValue[], listOrder = false): EmbeddedValue[] {
  const sorted = [...values].sort((a, b) => a.start - b.start || (listOrder ? 0 : b.end - a.end));
  const out: EmbeddedValue[] = [];
  for (const v of sorted) if (out.length === 0 || v.start >= (out[out.length - 1] as EmbeddedValue).end) out.push(v);
  return out;
}

/**
 * `text` with JSON's escapes decoded once (`\"`, `\\`, `\n`, `\uXXXX`, ...), each unit mapped to
 * where it starts in `text` (then `text`'s length); undefined when there is none. A backslash that
 * starts no escape is kept.
 */
function jsonUnescaped(text: string): View | undefined {
  let out = '';
  const at: number[] = [];
  for (let i = 0; i < text.length; ) {
    const c = text[i] as string;
    const next = text[i + 1] ?? '';
    if (c === '\\' && next === 'u' && /^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6))) {
      out += String.fromCharCode(parseInt(text.slice(i + 2, i + 6), 16));
      at.push(i);
      i += 6;
    } else if (c === '\\' && SIMPLE.has(next)) {
      out += SIMPLE.get(next) as string;
      at.push(i);
      i += 2;
    } else {
      out += c;
      at.push(i);
      i += 1;
    }
  }
  at.push(text.length);
  return out === text ? undefined : { text: out, at };
}

const SIMPLE: ReadonlyMap<string, string> = new Map(Object.entries({ '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }));

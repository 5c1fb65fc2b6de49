/**
 * OTLP's `AnyValue` as the JSON mapping writes it (`{"stringValue":"..."}`, `{"arrayValue":{...}}`,
 * `{"kvlistValue":{...}}`): what the redaction walk reads through it, so that a list or a map an
 * OTLP attribute holds meets the rules a plain JSON one does.
 */
import type { JsonValue } from '../record.js';
import { namedValue, setMember } from './members.js';

/** The member of an OTLP `AnyValue` holding a scalar (`{"stringValue":"..."}`, `{"string_value":"..."}`), or undefined. */
export function anyValueMember(v: JsonValue): string | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const keys = Object.keys(v);
  const only = keys[0];
  if (keys.length !== 1 || only === undefined || !ANY_VALUE_MEMBER.test(only)) return undefined;
  const inner = v[only];
  return inner === null || typeof inner !== 'object' ? only : undefined;
}

/** True when `v` is an OTLP `AnyValue` that holds a list or a map (`{"arrayValue":{...}}`, `{"kvlistValue":{...}}`). */
export function anyValueContainer(v: JsonValue): boolean {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'arrayValue' || keys[0] === 'kvlistValue' || keys[0] === 'array_value' || keys[0] === 'kvlist_value');
}

/** The members of an OTLP `AnyValue` that hold a number, with the string member of the same spelling. */
const NUMBER_MEMBERS: ReadonlyMap<string, string> = new Map([
  ['intValue', 'stringValue'],
  ['doubleValue', 'stringValue'],
  ['int_value', 'string_value'],
  ['double_value', 'string_value'],
]);

/**
 * The member an OTLP `AnyValue` of one member (`member`) holds `replaced` under once redacted: a
 * number's member becomes the string's when what replaced the number is text (a token, a mask),
 * which an int64 or a double is not (`{"intValue":"[[CARD:...]]"}` would be refused by whoever
 * reads the OTLP next); any other member stays.
 */
export function redactedMember(member: string, replaced: JsonValue): string {
  return typeof replaced === 'string' ? (NUMBER_MEMBERS.get(member) ?? member) : member;
}

/** The name of an OTLP `AnyValue`'s one member (the line prefilter looks for it before an item, see line-filter.ts). */
const ANY_VALUE_MEMBER = /^[a-z]+(?:Value|_value)$/;

/**
 * The items of an OTLP `arrayValue` as a plain array holds them
 * (`[{"stringValue":"--db-password"},{"stringValue":"..."}]` reads as `["--db-password","..."]`),
 * for the rules that read an item by the items around it (see itemRule in argument-items.ts): a command line
 * in the `process.command_args` resource attribute, a Redis command, a list of header names and
 * values. Each item is the scalar its AnyValue holds, or null for one that holds a list, a map or
 * nothing. Undefined when some item is no AnyValue, or the list has fewer than two.
 */
export function anyValueItems(items: readonly JsonValue[]): JsonValue[] | undefined {
  if (items.length < 2) return undefined;
  const plain: JsonValue[] = [];
  for (const item of items) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return undefined;
    const keys = Object.keys(item);
    if (keys.length > 1 || (keys.length === 1 && !ANY_VALUE_MEMBER.test(keys[0] as string))) return undefined;
    const member = anyValueMember(item);
    plain.push(member === undefined ? null : (item[member] as JsonValue));
  }
  return plain;
}

/**
 * The name an OTLP `kvlistValue` gives its value when its entries make a name-value object (see
 * {@link namedValue}). An environment list written as an array of kvlists holds such entries:
 * `[{"key":"name","value":{"stringValue":"DB_PASSWORD"}},{"key":"value","value":{"stringValue":"..."}}]`
 * reads as `{"name":"DB_PASSWORD","value":"..."}`. Gives the entries holding the value, by their
 * place in `items`, and the name, which key rules read as the key of what those entries hold.
 * Undefined when some item is no entry (a string `key`, a `value` or none, nothing else) or the
 * entries name no value.
 */
export function kvlistName(items: readonly JsonValue[]): { entries: readonly number[]; name: string } | undefined {
  if (items.length < 2) return undefined;
  const object: Record<string, JsonValue> = {};
  for (const item of items) {
    if (item === null || typeof item !== 'object' || Array.isArray(item) || typeof item.key !== 'string') return undefined;
    if (Object.keys(item).some((k) => k !== 'key' && k !== 'value')) return undefined;
    const held = item.value === undefined ? undefined : anyValueMember(item.value);
    setMember(object, item.key, held === undefined ? null : ((item.value as Record<string, JsonValue>)[held] as JsonValue));
  }
  const named = namedValue(object, Object.keys(object));
  if (named === undefined) return undefined;
  const entries: number[] = [];
  items.forEach((item, i) => {
    if (named.members.includes((item as Record<string, JsonValue>).key as string)) entries.push(i);
  });
  return { entries, name: named.name };
}

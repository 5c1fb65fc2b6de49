/**
 * What the key rules do to a text given to `patterns explain`: for every field a `redact` or `skip`
 * rule selects, where it is, the rule and what that means for the value. Fields are read as the
 * redaction walk reads them: of a JSON text, an object's keys and the name of a name-value object
 * (`{"name":"DB_PASSWORD","value":"..."}`); in a string or a text line, the key-value pairs a
 * `redact` rule takes there (`payload={"api_token":"..."}`, see embedded.ts), and in a string of
 * several lines the values its lines name on the line before them (see string-lines.ts).
 */
import type { CompiledPolicy } from '../detect/compile.js';
import type { KeyRuleSpec } from '../detect/pack.js';
import { indexJson, itemPath, memberPath } from '../codecs/json-splice.js';
import { fieldPath, type JsonValue } from '../record.js';
import { embeddedValues } from './embedded.js';
import { anyValueItems, anyValueMember, kvlistName } from './any-value.js';
import { entryRules, itemRule } from './argument-items.js';
import { memberDecision, namedValue, takes } from './members.js';
import { boundParameters, boundTextValues, type BoundParameter } from './sql.js';
import { stringLineValues } from '../pipeline/string-lines.js';

export interface KeyRuleEntry {
  /** `key:<pattern>`, as findings name key rules. */
  detectorId: string;
  name: string;
  category: string;
  source: string;
  verdict: 'key-redact' | 'key-skip';
  /** The field's path in a JSON text (`$` is the text itself when it is not JSON). */
  path: string;
  /** Where the value is written, for a value inside a string or a text line. */
  start?: number;
  end?: number;
  /** Where a JSON text writes the field's value, for a field a rule selects (none when a key repeats). */
  at?: { start: number; end: number };
  detail: string;
}

/** The key rules that select fields of `text` or values written in it. */
export function explainKeys(policy: CompiledPolicy, text: string): KeyRuleEntry[] {
  if (policy.keyRules.empty) return [];
  const out: KeyRuleEntry[] = [];
  const body = parseObject(text);
  const spans = body === undefined ? undefined : indexJson(text).spans;
  walk(policy, body === undefined ? text : body, { path: '$', index: '', spans }, out, 0);
  return out;
}

/** Where the walk is: the field's path as findings name it, and as the JSON text's index does. */
interface Place {
  path: string;
  index: string;
  spans: Map<string, { start: number; end: number }> | undefined;
}

function entry(rule: KeyRuleSpec, pattern: string, verdict: KeyRuleEntry['verdict'], path: string, detail: string): KeyRuleEntry {
  return { detectorId: `key:${pattern}`, name: rule.label, category: rule.category, source: `${rule.source.file}:${rule.source.line}`, verdict, path, detail };
}

const MAX_DEPTH = 64;

/** `bound`: the rules for an array's items found beside it; `entryName`: the name a kvlist gives the value of the entry `v` (see kvlistName). */
function walk(policy: CompiledPolicy, v: JsonValue, place: Place, out: KeyRuleEntry[], depth: number, bound?: ReadonlyMap<number, BoundParameter>, entryName?: string): void {
  if (depth > MAX_DEPTH) return;
  const { path, spans } = place;
  if (typeof v === 'string') {
    const pairs = embeddedValues(v, policy.keyRules);
    for (const e of pairs) {
      const where = { start: e.start, end: e.end };
      out.push({ ...entry(e.rule, e.pattern, 'key-redact', path, `a value written under a key "${e.pattern}" selects is redacted whole`), ...where });
    }
    // A value a line of the string names on the line before it (see string-lines.ts), where no pair is.
    for (const e of stringLineValues(v, policy)) {
      if (pairs.some((p) => p.start < e.end && e.start < p.end)) continue;
      out.push({ ...entry(e.rule, e.pattern, 'key-redact', path, `a value the string's line before it names under "${e.pattern}" is redacted whole`), start: e.start, end: e.end });
    }
    // Bind parameters in a string that holds them as a JSON array (see boundTextValues).
    if (bound) {
      for (const e of boundTextValues(v, bound)) out.push({ ...entry(e.rule, e.pattern, 'key-redact', path, 'a bind parameter of the statement beside it is redacted whole, by the rule of its column'), start: e.start, end: e.end });
    }
    return;
  }
  if (v === null || typeof v !== 'object') return;
  if (Array.isArray(v)) {
    const entries = entryRules(policy.keyRules, v);
    const plain = anyValueItems(v);
    const kvlist = kvlistName(v);
    v.forEach((item, i) => {
      const at = `${path}[${i}]`;
      const index = itemPath(place.index, i);
      // As the walk decides (redact.ts).
      const option = itemRule(policy.keyRules, plain ?? v, i) ?? bound?.get(i);
      const pairRule = entries?.get(item as JsonValue[]);
      const name = kvlist?.entries.includes(i) === true ? kvlist.name : undefined;
      if (!option) return walk(policy, item, { path: at, index, spans }, out, depth + 1, pairRule ? new Map([[1, pairRule]]) : undefined, name);
      const span = spans?.get(index);
      const before = (plain ?? v)[i - 1] as string;
      out.push({ ...entry(option.rule, option.pattern, 'key-redact', at, option.why ?? `the value after "${before}" is redacted whole`), ...(span ? { at: { start: span.start, end: span.end } } : {}) });
    });
    return;
  }
  const keys = Object.keys(v);
  const named = namedValue(v, keys);
  const parameters = boundParameters(policy.keyRules, v, keys);
  for (const key of keys) {
    const at = fieldPath(path, key);
    const index = memberPath(place.index, key);
    const item = v[key] as JsonValue;
    // As the walk decides (redact.ts).
    const holding = policy.keyRules.holdingIn(v, keys);
    const asNamed = named?.members.includes(key) === true ? named.name : undefined;
    const byEntry = entryName !== undefined && key === 'value' ? memberDecision(policy.keyRules, key, entryName, holding) : undefined;
    const taken = byEntry?.decision.mode === 'redact';
    const { decision, byName } = taken && byEntry ? byEntry : memberDecision(policy.keyRules, key, asNamed, holding);
    const where = decision.rule?.where ? ` in an object with ${Object.entries(decision.rule.where).map(([k, values]) => `${k}: ${values.join(' | ')}`).join(', ')}` : '';
    const by = byName ? `name "${taken ? entryName : asNamed}"` : `key "${key}"${where}`;
    // An OTLP AnyValue under a name: what it holds (as redact.ts reads it).
    const inner = byName ? anyValueMember(item) : undefined;
    if (decision.mode === 'redact' && decision.rule && takes(decision.rule, inner === undefined ? item : (item as Record<string, JsonValue>)[inner])) {
      // As the walk leaves them (redact.ts): a flag, an empty string, a null.
      if (item === null || item === '' || typeof item === 'boolean') continue;
      const span = spans?.get(index);
      out.push({ ...entry(decision.rule, decision.pattern ?? key, 'key-redact', at, `the value under ${by} is redacted whole, whatever it holds`), ...(span ? { at: { start: span.start, end: span.end } } : {}) });
      continue;
    }
    // A skip rule spares a scalar; what an object or array holds is read as any other.
    if (decision.mode === 'skip' && decision.rule && (item === null || typeof item !== 'object')) {
      const detail = `the value under ${by} is read only by the secret and credential detectors whose literals name their format (ghp_, AKIA, postgres://)`;
      out.push(entry(decision.rule, decision.pattern ?? key, 'key-skip', at, detail));
      continue;
    }
    walk(policy, item, { path: at, index, spans }, out, depth + 1, key === parameters?.key ? parameters.items : undefined);
  }
}

/** `text` parsed, when it is a JSON object or array. */
export function parseObject(text: string): JsonValue | undefined {
  const t = text.trim();
  if (!(t.startsWith('{') && t.endsWith('}')) && !(t.startsWith('[') && t.endsWith(']'))) return undefined;
  try {
    return JSON.parse(t) as JsonValue;
  } catch {
    return undefined;
  }
}

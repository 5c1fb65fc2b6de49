/**
 * Key rules inside text. A log message often carries JSON of its own, a request body or a config
 * dump (`"request: {\"client_secret\":\"s3cr3t\"}"`), and a text line may be such JSON after a
 * prefix (`payload={"api_token":"x1"}`): a `redact` rule applies to the values its keys hold there
 * too, as it does to the record's own fields. Key and value are read as JSON writes them (a
 * string, or a number), in the text as written or, where quotes are escaped once more
 * (`{\"token\":\"x1\"}` inside a string), with those escapes decoded.
 */
import type { KeyDecision, KeyRules } from '../detect/compile.js';
import type { KeyRuleSpec } from '../detect/pack.js';
import { decodeEscapes } from '../detect/escapes.js';

/** A value a key rule takes inside a text: where it is written, and the rule. */
export interface EmbeddedValue {
  start: number;
  end: number;
  rule: KeyRuleSpec;
  /** The key pattern that matched (`*_token`): the finding is named `key:<pattern>`. */
  pattern: string;
}

/** `"key"`, a colon, then a string or a number: the key and the value each as a group. */
const PAIR = /"((?:[^"\\\n]|\\.){1,256})"[ \t\r\n]*:[ \t\r\n]*(?:"((?:[^"\\\n]|\\.)*)"|(-?[0-9][0-9.eE+-]*))/dg;
/** A quick test that `text` may hold a pair, as written or with its quotes escaped. */
const MAY_HOLD = /\\?"[ \t\r\n]*:/;

/** The values a `redact` key rule takes in `text`, in order, not overlapping. */
export function embeddedValues(text: string, rules: KeyRules): EmbeddedValue[] {
  if (rules.empty || !text.includes('"') || !MAY_HOLD.test(text)) return [];
  const found = pairsIn(text, rules);
  if (!text.includes('\\"')) return found;
  // Quotes escaped once more: the pairs of the text with its escapes decoded, mapped back.
  const view = decodeEscapes(text);
  if (!view) return found;
  const at = (i: number): number => view.at[i] as number;
  const decoded = pairsIn(view.text, rules).map((v) => ({ ...v, start: at(v.start), end: at(v.end) }));
  return [...found, ...decoded].sort((a, b) => a.start - b.start).filter((v, i, all) => i === 0 || v.start >= (all[i - 1] as EmbeddedValue).end);
}

function pairsIn(text: string, rules: KeyRules): EmbeddedValue[] {
  const out: EmbeddedValue[] = [];
  PAIR.lastIndex = 0;
  for (let m = PAIR.exec(text); m !== null; m = PAIR.exec(text)) {
    const key = jsonString(m[1] as string);
    const decision: KeyDecision | undefined = key === undefined ? undefined : rules.decide(key);
    const span = m.indices?.[2] ?? m.indices?.[3];
    if (decision?.mode !== 'redact' || !decision.rule || !span || span[1] === span[0]) continue;
    out.push({ start: span[0], end: span[1], rule: decision.rule, pattern: decision.pattern ?? key ?? '' });
  }
  return out;
}

/** A JSON string's content decoded, or undefined when it is not valid JSON. */
function jsonString(raw: string): string | undefined {
  if (!raw.includes('\\')) return raw;
  try {
    return JSON.parse(`"${raw}"`) as string;
  } catch {
    return undefined;
  }
}

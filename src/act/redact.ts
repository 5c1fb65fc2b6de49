/**
 * Findings -> redacted record. Walks a text body or every key, string and number of a JSON body
 * (booleans stay, field order is kept), applies key rules and detector matches, and returns a new
 * body: the input is never mutated. A key is redacted like a string (its findings are named
 * `<object path>{key}`, and paths below it use the redacted key). A number is scanned as written (a
 * card number logged as a number is still a card number); one a detector matches becomes a string.
 */
import type { DataKey, HashKey } from '../crypto/keys/cache.js';
import { encryptToken, hashToken, wrapToken } from '../crypto/token.js';
import type { CompiledPolicy } from '../detect/compile.js';
import type { KeyRuleSpec } from '../detect/pack.js';
import { ownTokens, scanText, type Match } from '../detect/scan.js';
import { CodecError, LogveilError } from '../errors.js';
import { fieldPath, type Finding, type JsonValue, type LogRecord, type Severity } from '../record.js';
import type { ActionPolicy, ResolvedAction } from './actions.js';

/** Key material for one record; obtained by the caller before the (synchronous) redaction. */
export interface RedactKeys {
  tokenKey: () => DataKey;
  hashKey: () => HashKey;
}

export interface RedactOptions {
  policy: CompiledPolicy;
  actions: ActionPolicy;
  keys: RedactKeys;
  /** Deeper JSON nesting is an error (the record goes to quarantine). */
  maxDepth: number;
  /** Told the replacement text of every finding (dry runs show examples of the masked form). */
  onReplace?: (detectorId: string, replacement: string) => void;
  /**
   * The only detectors (indices) that can match a given string of the record, when the caller
   * knows them (from the record's raw line, which holds every string verbatim).
   */
  detectorsFor?: (text: string) => readonly number[];
  /** As `detectorsFor`, for a value read with its key before it (see scanText); also without the fast path. */
  keyedDetectorsFor?: (text: string) => readonly number[];
  /**
   * The number at a field path as the record's source wrote it, when the caller has the source:
   * parsing rounds integers past 2^53, and the digits are what detectors look at.
   */
  numberText?: (path: string) => string | undefined;
}

export type RedactOutcome =
  | { kind: 'keep'; body: string | JsonValue; changed: boolean; findings: Finding[] }
  | { kind: 'drop'; findings: Finding[]; reason: string };

const DROP = Symbol('drop-field');

class DropRecord {
  constructor(readonly detectorId: string) {}
}

/** Redacts one record's body. Throws CodecError for records too deep to walk. */
export function redactRecord(record: LogRecord, options: RedactOptions): RedactOutcome {
  const walker = new Walker(options);
  try {
    if (!record.structured || typeof record.body === 'string') {
      const text = typeof record.body === 'string' ? record.body : JSON.stringify(record.body);
      const out = walker.string(text, '$');
      const body = out === DROP ? '' : out;
      return { kind: 'keep', body, changed: body !== text, findings: walker.findings };
    }
    const out = walker.value(record.body, '$', 0);
    const body = out === DROP ? null : out;
    return { kind: 'keep', body, changed: body !== record.body, findings: walker.findings };
  } catch (err) {
    if (err instanceof DropRecord) {
      return { kind: 'drop', findings: walker.findings, reason: `drop-record by "${err.detectorId}"` };
    }
    throw err;
  }
}

class Walker {
  readonly findings: Finding[] = [];
  readonly #o: RedactOptions;

  constructor(options: RedactOptions) {
    this.#o = options;
  }

  /**
   * `path` names the value in findings (with keys as redacted); `source` names it in the record as
   * parsed (with keys as written), where the numbers' written forms are looked up.
   */
  value(v: JsonValue, path: string, depth: number, source = path, key?: string): JsonValue | typeof DROP {
    if (typeof v === 'string') return this.string(v, path, true, key);
    if (typeof v === 'number') return this.number(v, path, source, key);
    if (v === null || typeof v !== 'object') return v;
    if (depth >= this.#o.maxDepth) {
      throw new CodecError('RECORD_TOO_DEEP', `JSON nesting deeper than ${this.#o.maxDepth} levels at ${path}`);
    }
    if (Array.isArray(v)) {
      let out: JsonValue[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const item = v[i] as JsonValue;
        const next = this.value(item, `${path}[${i}]`, depth + 1, `${source}[${i}]`, key);
        if (next !== item && !out) out = v.slice(0, i);
        if (out && next !== DROP) out.push(next);
      }
      return out ?? v;
    }
    let out: Record<string, JsonValue> | undefined;
    const keys = Object.keys(v);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const item = v[key] as JsonValue;
      // A key is text like any other: one a detector matches (a map keyed by e-mail or address) is redacted.
      // Tokenized as written: two keys that decode alike (`a@b.co`, `a%40b.co`) stay two keys.
      const newKey = this.string(key, `${path}{key}`, false);
      const name = newKey === DROP ? key : newKey;
      const childPath = fieldPath(path, name);
      const decision = this.#o.policy.keyRules.decide(key);
      let next: JsonValue | typeof DROP;
      // A skip rule spares a scalar (an id that looks like a secret); what an object or array holds is walked.
      if (newKey === DROP) next = DROP;
      else if (decision.mode === 'skip' && (item === null || typeof item !== 'object')) next = item;
      else if (decision.mode === 'redact' && decision.rule) next = this.#byKey(item, childPath, decision.rule, decision.pattern ?? key);
      else next = this.value(item, childPath, depth + 1, source === path && name === key ? childPath : fieldPath(source, key), key);
      if ((next !== item || name !== key) && !out) {
        out = {};
        for (let j = 0; j < i; j++) setMember(out, keys[j] as string, v[keys[j] as string] as JsonValue);
      }
      if (!out || next === DROP) continue;
      if (Object.hasOwn(out, name)) {
        throw new LogveilError('KEY_COLLISION', `two keys of the object at ${path} are redacted to the same text`);
      }
      setMember(out, name, next);
    }
    return out ?? v;
  }

  /**
   * A number leaf: scanned as written (and so also as its plain digits when written with an
   * exponent or a minus sign, see numbers.ts); kept as a number unless something in it is
   * redacted, then the redacted text. A finding in the plain digits replaces the whole number.
   */
  number(v: number, path: string, source = path, key?: string): JsonValue | typeof DROP {
    const text = this.#o.numberText?.(source) ?? String(v);
    const out = this.string(text, path, true, key);
    return out === text ? v : out;
  }

  /** `decoded`: a value found with its escapes decoded is tokenized decoded, so it joins with its plain spelling. */
  string(text: string, path: string, decoded = true, key?: string): string | typeof DROP {
    // Only a key that can tell a detector something is read: other values keep the clean-value cache.
    const context = key !== undefined && this.#o.policy.isContextKey(key) ? key : undefined;
    const keyed = context === undefined ? undefined : { key: context, only: this.#o.keyedDetectorsFor?.(text) };
    return this.#redact(text, path, scanText(this.#o.policy, text, undefined, this.#o.detectorsFor?.(text), keyed), decoded);
  }

  #redact(text: string, path: string, matches: readonly Match[], decoded = true): string | typeof DROP {
    if (matches.length === 0) return text;
    const actions = matches.map((m) => this.#o.actions.forDetector(m.detector.spec));
    const dropRecord = actions.findIndex((a) => a.type === 'drop-record');
    if (dropRecord !== -1 || actions.some((a) => a.type === 'drop-field')) {
      // The field or the record goes: every finding in the string is still counted, none tokenized.
      matches.forEach((m, k) => {
        const spec = m.detector.spec;
        const action = actions[k] as ResolvedAction;
        if (action.type === 'drop-field' || action.type === 'drop-record') this.#o.onReplace?.(spec.id, '');
        this.#record(spec.id, spec.category, spec.severity, spec.label, path, m.start, m.end, action, undefined);
      });
      if (dropRecord !== -1) throw new DropRecord((matches[dropRecord] as Match).detector.spec.id);
      return DROP;
    }
    let out = '';
    let pos = 0;
    matches.forEach((m, k) => {
      const spec = m.detector.spec;
      const action = actions[k] as ResolvedAction;
      const replaced = this.#apply(action, spec.label, (decoded ? m.value : undefined) ?? text.slice(m.start, m.end));
      this.#o.onReplace?.(spec.id, replaced.text);
      this.#record(spec.id, spec.category, spec.severity, spec.label, path, m.start, m.end, action, replaced.kid);
      out += text.slice(pos, m.start) + replaced.text;
      pos = m.end;
    });
    return out + text.slice(pos);
  }

  /** A key rule replaces the whole value, whatever its type; a value that is one token already stays. */
  #byKey(v: JsonValue, path: string, rule: KeyRuleSpec, pattern: string): JsonValue | typeof DROP {
    if (v === null || v === '') return v;
    const text = typeof v === 'string' ? v : JSON.stringify(v);
    const tokens = ownTokens(this.#o.policy, text);
    if (tokens.length === 1 && tokens[0]?.start === 0 && tokens[0].end === text.length) return v;
    const action = this.#o.actions.forKeyRule(rule);
    const ruleId = `key:${pattern}`;
    const replaced = this.#apply(action, rule.label, text);
    this.#o.onReplace?.(ruleId, replaced.text);
    this.#record(ruleId, rule.category, rule.severity, rule.label, path, 0, text.length, action, replaced.kid);
    if (action.type === 'drop-record') throw new DropRecord(ruleId);
    if (action.type === 'drop-field') return DROP;
    return replaced.text;
  }

  #apply(action: ResolvedAction, label: string, value: string): { text: string; kid?: string } {
    switch (action.type) {
      case 'tokenize': {
        const key = this.#o.keys.tokenKey();
        return { text: wrapToken(label, encryptToken(key, label, value, action.mode)), kid: key.kid };
      }
      case 'hash':
        return { text: wrapToken(label, hashToken(this.#o.keys.hashKey(), label, value)) };
      case 'mask':
        return { text: action.text ?? wrapToken(label) };
      case 'partial':
        return { text: partial(value, action.keepFirst, action.keepLast, action.maskChar) };
      case 'drop-field':
      case 'drop-record':
        return { text: '' };
    }
  }

  #record(
    detectorId: string,
    category: string,
    severity: Severity,
    label: string,
    path: string,
    start: number,
    end: number,
    action: ResolvedAction,
    kid: string | undefined,
  ): void {
    const finding: Finding = { detectorId, category, severity, label, path, start, end, action: action.type };
    if (kid) finding.kid = kid;
    this.findings.push(finding);
  }
}

/** Keeps the first and last characters, masks the rest; short values are masked whole. */
export function partial(value: string, keepFirst: number, keepLast: number, maskChar: string): string {
  const chars = Array.from(value);
  if (chars.length <= keepFirst + keepLast) return maskChar.repeat(chars.length);
  return (
    chars.slice(0, keepFirst).join('') +
    maskChar.repeat(chars.length - keepFirst - keepLast) +
    chars.slice(chars.length - keepLast).join('')
  );
}

/**
 * Sets an own member, whatever its name: JSON.parse makes `__proto__` an ordinary member, and so
 * must the copy (an assignment would set the copy's prototype and drop the member).
 */
function setMember(obj: Record<string, JsonValue>, key: string, value: JsonValue): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

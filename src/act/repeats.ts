/**
 * The second pass over a structured record's body: a value the first pass (the walk of redact.ts)
 * redacted in one field is redacted where it stands alone in the others too (a password a key rule
 * took, written again in a message; a key confirmed by its keyword in one field and logged bare in
 * the next), as its first occurrence was; in keys too.
 */
import type { TokenRef } from '../crypto/token.js';
import { plainNumber } from '../detect/numbers.js';
import { repeatsIn, standalone, ValueSet } from '../detect/repeats.js';
import { ownTokens } from '../detect/scan.js';
import { LogveilError } from '../errors.js';
import { fieldPath, type Finding, type JsonValue } from '../record.js';
import { redactedMember } from './any-value.js';
import { bytesText, BYTES_MEMBERS, encodedBytes } from './bytes-value.js';
import { DROP, mayHoldEncodedText, readEncodedTexts } from './encoded-readings.js';
import type { RedactedBy } from './edits.js';
import { mayRepeat, setMember } from './members.js';
import type { RedactOptions } from './redact-options.js';
import { replacement } from './replace.js';

/** What the first pass over a record leaves for the search for repeats. */
export interface FirstPass {
  /** The first pass's findings: the search adds its own, and renames in their paths the keys it redacts. */
  readonly findings: Finding[];
  /** The values the record had redacted, as written, each with what redacted it first. */
  readonly redacted: ReadonlyMap<string, RedactedBy>;
  /** How each number the record holds unchanged was written. */
  readonly written: ReadonlyMap<number, readonly string[]>;
  /** Some number has a reading its writing does not hold verbatim (`5.36221234E8` is 536221234). */
  readonly numbersReadOtherwise: boolean;
}

/**
 * `body` (as the first pass redacted it) with every value `pass.redacted` holds also redacted
 * where it stands alone in another field, and every value `options.carried` holds wherever it
 * stands alone; `body` itself when none can stand anywhere else (see
 * {@link mayRepeat}). The findings go to `pass.findings`.
 */
export function redactRepeats(body: JsonValue, options: RedactOptions, pass: FirstPass): JsonValue {
  const first = options.carried && options.carried.size > 0 ? withCarried(pass, options.carried) : pass;
  if (!mayRepeat(first.redacted, options.source, first.numbersReadOtherwise)) return body;
  return new Repeats(options, first).of(body);
}

/**
 * `pass` with the values carried from another record (see RedactOptions.carried) among those it
 * redacted, each none of times here; a value the record redacted itself keeps what redacted it.
 */
function withCarried(pass: FirstPass, carried: ReadonlyMap<string, RedactedBy>): FirstPass {
  const redacted = new Map(carried);
  for (const [value, by] of pass.redacted) redacted.set(value, by);
  return { findings: pass.findings, redacted, written: pass.written, numbersReadOtherwise: pass.numbersReadOtherwise };
}

/** One record's search for repeats. */
class Repeats {
  readonly #o: RedactOptions;
  readonly #pass: FirstPass;
  /** The values to look for again, made once: the search for repeats adds none. */
  readonly #values: ValueSet;
  /** Keys the search renamed, by path as the first pass named them (see {@link Repeats.of}). */
  readonly #renamed: Array<{ from: string; to: string }> = [];

  constructor(options: RedactOptions, pass: FirstPass) {
    this.#o = options;
    this.#pass = pass;
    this.#values = new ValueSet(pass.redacted.keys());
  }

  /** The body with the repeats redacted (see {@link redactRepeats}). */
  of(body: JsonValue): JsonValue {
    const findings = this.#pass.findings;
    const before = findings.length;
    const out = this.#inValue(body, '$', '$');
    // Findings of the first pass name keys as it left them: a key renamed since (it repeats a
    // redacted value) is named as renamed.
    if (this.#renamed.length > 0) {
      for (const f of findings.slice(0, before)) {
        for (const { from, to } of this.#renamed) {
          if (f.path.startsWith(from) && (f.path.length === from.length || '.[{'.includes(f.path[from.length] as string))) f.path = to + f.path.slice(from.length);
        }
      }
    }
    return out;
  }

  /** `first`: the path as the first pass named the value (findings made there carry it). */
  #inValue(v: JsonValue, path: string, first: string): JsonValue {
    if (typeof v === 'string') return this.#inText(v, path);
    // A number is read as printed only where that is exact; the first pass read the others as written.
    if (typeof v === 'number') return this.#inNumber(v, path);
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) {
      let out: JsonValue[] | undefined;
      v.forEach((item, i) => {
        const next = this.#inValue(item, `${path}[${i}]`, `${first}[${i}]`);
        if (next !== item && !out) out = v.slice(0, i);
        out?.push(next);
      });
      return out ?? v;
    }
    let out: Record<string, JsonValue> | undefined;
    const keys = Object.keys(v);
    // An OTLP AnyValue of one member is written back as the first pass writes it (see redactedMember):
    // its bytes read decoded and encoded again, a number replaced by text held by a string.
    const anyValue = keys.length === 1;
    keys.forEach((key, i) => {
      const item = v[key] as JsonValue;
      const name = this.#inText(key, `${path}{key}`);
      if (name !== key) this.#renamed.push({ from: fieldPath(first, key), to: fieldPath(path, name) });
      const next = anyValue && typeof item === 'string' && BYTES_MEMBERS.includes(key) ? this.#inBytes(item, fieldPath(path, name)) : this.#inValue(item, fieldPath(path, name), fieldPath(first, key));
      const member = anyValue && next !== item ? redactedMember(name, next) : name;
      if ((next !== item || member !== key) && !out) {
        out = {};
        for (let j = 0; j < i; j++) setMember(out, keys[j] as string, v[keys[j] as string] as JsonValue);
      }
      if (!out) return;
      if (Object.hasOwn(out, member)) {
        throw new LogveilError('KEY_COLLISION', `two keys of the object at ${path} are redacted to the same text`);
      }
      setMember(out, member, next);
    });
    return out ?? v;
  }

  /**
   * A number is searched as written, and as its other readings: its plain digits, and its printed
   * form where that is exact. A redacted value found in a reading other than the writing replaces
   * the whole number, as a finding there does in the first pass.
   */
  #inNumber(v: number, path: string): JsonValue {
    const written = this.#pass.written.get(v) ?? [];
    const text = written[0] ?? String(v);
    const out = this.#inText(text, path);
    if (out !== text) return out;
    const readings = new Set([...written, ...written.map(plainNumber), Number.isSafeInteger(v) ? String(v) : undefined]);
    readings.delete(text);
    for (const reading of readings) {
      if (reading === undefined) continue;
      const found = standalone(reading, this.#values, []);
      if (found.length === 0) continue;
      const value = (found[0] as { value: string }).value;
      return this.#replace(this.#pass.redacted.get(value) as RedactedBy, value, path, 0, text.length);
    }
    return v;
  }

  /**
   * An AnyValue's bytes (base64): a value repeated in the base64 as written is replaced there and
   * the result written as bytes, as the first pass writes a finding on the whole; else one repeated
   * in the text the bytes spell (see bytesText) is replaced in that text, which is encoded again.
   */
  #inBytes(value: string, path: string): string {
    const written = this.#inPlainText(value, path);
    if (written !== value) return encodedBytes(written, 'utf8');
    const decoded = bytesText(value);
    if (!decoded) return value;
    const out = this.#inText(decoded.text, path);
    return out === decoded.text ? value : encodedBytes(out, decoded.encoding);
  }

  /**
   * `text` with each value the record redacted replaced where it stands alone, as written, in its
   * readings (see repeatsIn), and in the text a base64 or hex run of it spells (read decoded and
   * encoded again, as the first pass reads such a run: see encoded-readings.ts).
   */
  #inText(text: string, path: string, depth = 0): string {
    const out = this.#inPlainText(text, path);
    if (!mayHoldEncodedText(out)) return out;
    const again = readEncodedTexts(out, path, (t) => this.#inText(t, path, depth + 1), depth);
    return again === DROP ? out : again;
  }

  #inPlainText(text: string, path: string): string {
    const policy = this.#o.policy;
    const values = this.#values;
    // A token shields what it holds, unless that is a value the record redacted (`[[PASSWORD:h1.<it>]]`).
    const tokens = (): TokenRef[] => (text.includes('[[') ? ownTokens(policy, text).filter((t) => standalone(t.body ?? '', values, []).length === 0) : []);
    const found = repeatsIn(text, values, tokens);
    if (found.length === 0) return text;
    // Joined once, as the first pass joins its edits (see Walker#redact in redact.ts).
    const out: string[] = [];
    let pos = 0;
    for (const { start, end, value } of found) {
      if (start < pos) continue;
      out.push(text.slice(pos, start), this.#replace(this.#pass.redacted.get(value) as RedactedBy, value, path, start, end));
      pos = end;
    }
    out.push(text.slice(pos));
    return out.join('');
  }

  /** The text that replaces `value`, redacted as its first occurrence was; its finding is [start, end) at `path`. */
  #replace(by: RedactedBy, value: string, path: string, start: number, end: number): string {
    const replaced = replacement(by.action, by.label, value, this.#o.keys);
    this.#o.onReplace?.(by.id, replaced.text);
    const finding: Finding = { detectorId: by.id, category: by.category, severity: by.severity, label: by.label, path, start, end, action: by.action.type };
    if (replaced.kid) finding.kid = replaced.kid;
    this.#pass.findings.push(finding);
    return replaced.text;
  }
}

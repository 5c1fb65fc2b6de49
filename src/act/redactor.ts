/**
 * What a record's reading found -> the record's text: each edit (a detector's match, a key rule's
 * value) replaced by its action's token or mask, or its field or record dropped, with a finding
 * for each. Every value redacted is remembered as written (and in its other readings), so that
 * its repeats elsewhere in the record are redacted too (see repeats.ts). The reading itself,
 * where in a record to look and with what, is redact.ts's.
 */
import type { KeyRuleSpec } from '../detect/pack.js';
import { wrapToken } from '../crypto/token.js';
import { plainNumber } from '../detect/numbers.js';
import { decodedForms } from '../detect/repeats.js';
import { ownTokens } from '../detect/scan.js';
import { fieldPath, type Finding, type JsonValue, type Severity } from '../record.js';
import type { ResolvedAction } from './actions.js';
import { BYTES_MEMBERS, encodedBytes } from './bytes-value.js';
import { redactedMember } from './any-value.js';
import type { Edit, RedactedBy } from './edits.js';
import { DROP } from './encoded-readings.js';
import { leaves } from './members.js';
import type { RedactOptions } from './redact-options.js';
import { replacement } from './replace.js';

/**
 * A value's {@link RedactedBy}, written member by member: spread (`{ ...by, count }`), V8 gave each
 * object a hidden class of its own once the spread went megamorphic (a string of 80,000 addresses
 * kept 80,000 of them, 250 bytes each).
 */
function redactedBy(by: Omit<RedactedBy, 'count'>, count: number): RedactedBy {
  return { id: by.id, category: by.category, severity: by.severity, label: by.label, action: by.action, count };
}

/** Thrown where a drop-record action applies: the record goes whole. */
export class DropRecord {
  constructor(readonly detectorId: string) {}
}

/** Applies a record's edits and keeps its findings and the values it redacted (see the head comment). */
export class Redactor {
  readonly findings: Finding[] = [];
  /** The values this record had redacted, as written, each with what redacted it first. */
  readonly redacted = new Map<string, RedactedBy>();
  /** Some number has a reading its writing does not hold verbatim (`5.36221234E8` is 536221234). */
  numbersReadOtherwise = false;

  constructor(protected readonly options: RedactOptions) {}

  /**
   * `text` (at `path`) with `edits` (in order, none overlapping) replaced; DROP when one drops its
   * field. Throws {@link DropRecord} when one drops the record.
   */
  protected edit(text: string, path: string, edits: readonly Edit[]): string | typeof DROP {
    if (edits.length === 0) return text;
    const dropRecord = edits.find((e) => e.by.action.type === 'drop-record');
    if (dropRecord || edits.some((e) => e.by.action.type === 'drop-field')) {
      // The field or the record goes: every finding in the string is still counted, none tokenized.
      for (const { by, start, end } of edits) {
        if (by.action.type === 'drop-field' || by.action.type === 'drop-record') this.options.onReplace?.(by.id, '');
        this.#finding(by.id, by.category, by.severity, by.label, path, start, end, by.action, undefined);
      }
      if (dropRecord) throw new DropRecord(dropRecord.by.id);
      return DROP;
    }
    // Joined once: concatenated piece by piece, a string of many findings stays a tree of two
    // 32-byte nodes per finding until something reads it (80,000 findings: tens of megabytes).
    const out: string[] = [];
    let pos = 0;
    for (const { by, start, end, value, leaves } of edits) {
      const written = text.slice(start, end);
      for (const leaf of leaves ?? []) this.remember(leaf, by, 0);
      const replaced = this.#apply(by.action, by.label, value ?? written);
      this.options.onReplace?.(by.id, replaced.text);
      this.#finding(by.id, by.category, by.severity, by.label, path, start, end, by.action, replaced.kid);
      this.remember(written, by);
      // Found in another reading (`5.36274189E8` read as its digits): that value is looked for too.
      if (value !== undefined && value !== written) this.remember(value, by, 0);
      out.push(text.slice(pos, start), replaced.text);
      pos = end;
    }
    out.push(text.slice(pos));
    return out.join('');
  }

  /** `count`: how many times the record holds the value verbatim where it was redacted (none for a value read otherwise). */
  protected remember(value: string, by: Omit<RedactedBy, 'count'>, count = 1): void {
    const known = this.redacted.get(value);
    if (known) known.count += count;
    else this.redacted.set(value, redactedBy(by, count));
    // Its repeats written plainly are looked for too (none were redacted yet).
    for (const form of decodedForms(value)) if (!this.redacted.has(form)) this.redacted.set(form, redactedBy(by, 0));
  }

  /** A key rule replaces the whole value, whatever its type; a value that is one token already stays. */
  protected byKey(v: JsonValue, path: string, rule: KeyRuleSpec, pattern: string, source: string): JsonValue | typeof DROP {
    // A flag holds no secret (`"hasToken":false`).
    if (v === null || v === '' || typeof v === 'boolean') return v;
    const text = typeof v === 'string' ? v : ((typeof v === 'number' ? this.options.numbers?.at(source) : undefined) ?? JSON.stringify(v));
    const tokens = ownTokens(this.options.policy, text);
    if (tokens.length === 1 && tokens[0]?.start === 0 && tokens[0].end === text.length) return v;
    const action = this.options.actions.forKeyRule(rule);
    const ruleId = `key:${pattern}`;
    const replaced = this.#apply(action, rule.label, text);
    this.options.onReplace?.(ruleId, replaced.text);
    this.#finding(ruleId, rule.category, rule.severity, rule.label, path, 0, text.length, action, replaced.kid);
    if (action.type === 'drop-record') throw new DropRecord(ruleId);
    if (action.type === 'drop-field') return DROP;
    const by = { id: ruleId, category: rule.category, severity: rule.severity, label: rule.label, action };
    this.remember(text, by);
    // What an object or array the rule took holds, keys too, is looked for again (`{"password":{"value":"..."}}`);
    // a number, in its other readings as well.
    if (typeof v === 'object') for (const leaf of leaves(v, true)) this.remember(leaf, by);
    if (typeof v !== 'string') this.numbersReadOtherwise = true;
    if (typeof v === 'number') for (const reading of [String(v), plainNumber(text)]) if (reading !== undefined && reading !== text) this.remember(reading, by, 0);
    return replaced.text;
  }

  /**
   * What an OTLP AnyValue holds (its `member`), replaced as a key rule replaces a value (see
   * #byKey), in an AnyValue of the same member. Bytes stay bytes: the replacement is encoded as them.
   */
  protected heldByKey(item: Readonly<Record<string, JsonValue>>, member: string, path: string, rule: KeyRuleSpec, pattern: string, source: string): JsonValue | typeof DROP {
    const held = item[member] as JsonValue;
    const replaced = this.byKey(held, fieldPath(path, member), rule, pattern, fieldPath(source, member));
    if (replaced === held) return item;
    return replaced === DROP ? DROP : { [redactedMember(member, replaced)]: BYTES_MEMBERS.includes(member) && typeof replaced === 'string' ? encodedBytes(replaced, 'utf8') : replaced };
  }

  #apply(action: ResolvedAction, label: string, value: string): { text: string; kid?: string } {
    if (this.options.valuesOnly) return { text: wrapToken(label) };
    return replacement(action, label, value, this.options.keys);
  }

  #finding(
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

/**
 * Findings -> redacted record. Walks a text body or every key, string and number of a JSON body
 * (booleans stay, field order is kept), applies key rules and detector matches, and returns a new
 * body: the input is never mutated. A key is redacted like a string (its findings are named
 * `<object path>{key}`, and paths below it use the redacted key). A number is scanned as written (a
 * card number logged as a number is still a card number); one a detector matches becomes a string.
 * What is found is written by redactor.ts.
 */
import { plainNumber } from '../detect/numbers.js';
import { ownTokens, scanHits, scanText, type KnownMatches, type TraceEntry } from '../detect/scan.js';
import { CodecError, LogveilError } from '../errors.js';
import { fieldPath, type JsonValue, type LogRecord } from '../record.js';
import { detectorEdit, keyRuleEdit, withKeyRules, type RedactedBy } from './edits.js';
import { bytesText, BYTES_MEMBERS, encodedBytes } from './bytes-value.js';
import { byteArrayText, encodedByteArray } from './byte-array.js';
import { embeddedValues, type EmbeddedValue } from './embedded.js';
import { encodedArgumentItems, holdsProgram, mayHoldEncodedCommand, type EncodedCommand } from './encoded-command.js';
import { compressionOf, inflateBudget, mayInflate, PROBE_BYTES } from './compressed-text.js';
import { DROP, mayHoldEncodedText, readEncodedCommands, readEncodedTexts, type Scan } from './encoded-readings.js';
import { anyValueContainer, anyValueItems, anyValueMember, kvlistName, redactedMember } from './any-value.js';
import { entryRules, itemRule } from './argument-items.js';
import { contextWith, memberDecision, namedValue, NO_KEYS, onlyAsKey, setMember, standsAsValue, takes, withoutValuesInPaths } from './members.js';
import type { RedactOptions, RedactOutcome } from './redact-options.js';
import { DropRecord, Redactor } from './redactor.js';
import { redactRepeats, type FirstPass } from './repeats.js';
import { boundParameters, boundTextValues, type BoundParameter } from './sql.js';
import { stringLineValues } from '../pipeline/string-lines.js';

/** The base64 characters that spell the bytes mayInflate reads of a stream's start. */
const PROBE_CHARS = Math.ceil(PROBE_BYTES / 3) * 4;

export { partial, type RedactKeys } from './replace.js';
export type { RedactOptions, RedactOutcome } from './redact-options.js';

/** Redacts one record's body. Throws CodecError for records too deep to walk. */
export function redactRecord(record: LogRecord, options: RedactOptions): RedactOutcome {
  const walker = new Walker(options, record.body);
  try {
    if (!record.structured || typeof record.body === 'string') {
      const text = typeof record.body === 'string' ? record.body : JSON.stringify(record.body);
      const out = walker.string(text, '$');
      const body = out === DROP ? '' : out;
      return { kind: 'keep', body, changed: body !== text, findings: walker.findings };
    }
    const out = walker.value(record.body, '$', 0);
    // A value redacted in one field is redacted where it stands alone in the others too.
    const firstPass = walker.findings.length;
    const body = out === DROP ? null : redactRepeats(out, options, walker);
    return { kind: 'keep', body, changed: body !== record.body, findings: walker.findings, repeatsFrom: firstPass };
  } catch (err) {
    if (err instanceof DropRecord) {
      return { kind: 'drop', findings: walker.findings, reason: `drop-record by "${err.detectorId}"` };
    }
    throw withoutValuesInPaths(err, record.body);
  }
}

/**
 * The values the first pass over a structured record redacts (see repeats.ts), each with what
 * redacted it, read with no key (see RedactOptions.valuesOnly); when an action drops the record,
 * or the walk stops at a value it cannot read (nested too deep, an encoding that does not
 * decode), those redacted before it. Nothing is written, no finding kept, no error thrown.
 */
export function redactedValues(record: LogRecord, options: RedactOptions): ReadonlyMap<string, RedactedBy> {
  if (!record.structured || typeof record.body === 'string') return new Map();
  const walker = new Walker({ ...options, valuesOnly: true }, record.body);
  try {
    walker.value(record.body, '$', 0);
  } catch {
    // What was read before stands; the record's own run reports its error.
  }
  return walker.redacted;
}

/** Reads a record for what to redact (see the head comment); {@link Redactor} writes it. */
class Walker extends Redactor implements FirstPass {
  /** The keys (as written) from the record's root down to the value being walked. */
  readonly #keys: string[] = [];
  /** How each number the record holds unchanged was written (a number may be read otherwise: plain digits, printed). */
  readonly written = new Map<number, string[]>();
  /** The arrays of bind parameters the record holds beside their statements, with the rules their columns give (see boundParameters). */
  readonly #bound = new WeakMap<readonly JsonValue[], ReadonlyMap<number, BoundParameter>>();
  /** The entries of OTLP kvlists that hold a value their list names, with that name (see kvlistName). */
  readonly #entryNames = new WeakMap<object, string>();

  readonly #root: string | JsonValue;
  /** What the record's compressed runs may still inflate to, nested ones included (see compressed-text.ts). */
  readonly #inflate = inflateBudget();
  /** Whether the record names PowerShell's program somewhere, once asked (see #programNamed). */
  #program: boolean | undefined;

  constructor(options: RedactOptions, root: string | JsonValue) {
    super(options);
    this.#root = root;
  }

  /**
   * `path` names the value in findings (with keys as redacted); `source` names it in the record as
   * parsed (with keys as written), where the numbers' written forms are looked up. `context`: the
   * keys above the value that can tell a detector something (see scanText), nearest first, the
   * value's own among them (`{"ssns":["A","B"]}`, `{"phone":{"home":"B"}}`, `{"ssn":{"card":"C"}}`).
   * `under`: the member's key of a scalar member, which allowlists read it with (see ScanContext);
   * not an array's items (a card in a list under `request_id` is no request id).
   */
  value(v: JsonValue, path: string, depth: number, source = path, context: readonly string[] = NO_KEYS, under?: string): JsonValue | typeof DROP {
    if (typeof v === 'string') return this.string(v, path, true, context, true, under);
    if (typeof v === 'number') return this.number(v, path, source, context, under);
    if (v === null || typeof v !== 'object') return v;
    if (depth >= this.options.maxDepth) {
      // The path is named unless one of its keys repeats a value of the record.
      const source = this.options.source;
      const at = this.#keys.some((k) => (source === undefined ? standsAsValue(k, this.#root) : !onlyAsKey(k, source))) ? '' : ` at ${path}`;
      throw new CodecError('RECORD_TOO_DEEP', `JSON nesting deeper than ${this.options.maxDepth} levels${at}`);
    }
    if (Array.isArray(v)) {
      // A member's text written as its bytes (journald's `"MESSAGE":[108,111,...]`), read decoded.
      const bytes = under === undefined ? undefined : byteArrayText(v);
      if (bytes) {
        const text = this.#decoded(path, context)(bytes.text);
        return text === DROP ? DROP : text === bytes.text ? v : encodedByteArray(text, bytes.encoding);
      }
      let out: JsonValue[] | undefined;
      // An argument vector's encoded commands (`["pwsh","-enc","JABw..."]`), read decoded.
      const encoded = v.length > 1 ? encodedArgumentItems(v) : undefined;
      const scripts = encoded && this.#programNamed() ? encoded : undefined;
      // A map written as its entries (`[["password","..."],["host","db"]]`): each value under its key.
      const entries = entryRules(this.options.policy.keyRules, v);
      if (entries) for (const [pair, rule] of entries) this.#bound.set(pair, new Map([[1, rule]]));
      // An OTLP arrayValue's items, read by the item rules as the plain array's are.
      const plain = anyValueItems(v);
      // An OTLP kvlistValue's entries that make a name-value object: the value is read under the name.
      const kvlist = kvlistName(v);
      if (kvlist) for (const i of kvlist.entries) this.#entryNames.set(v[i] as object, kvlist.name);
      for (let i = 0; i < v.length; i++) {
        const item = v[i] as JsonValue;
        // The value after a command-line option or a header name a rule selects (`["--password","..."]`).
        const option = itemRule(this.options.policy.keyRules, plain ?? v, i) ?? this.#bound.get(v)?.get(i);
        const script = scripts?.get(i);
        // An AnyValue item keeps its shape: what it holds is replaced.
        const held = option && plain ? anyValueMember(item) : undefined;
        const next = option
          ? held !== undefined
            ? this.heldByKey(item as Record<string, JsonValue>, held, `${path}[${i}]`, option.rule, option.pattern, `${source}[${i}]`)
            : this.byKey(item, `${path}[${i}]`, option.rule, option.pattern, `${source}[${i}]`)
          : script !== undefined
            ? this.#encodedArgument(item as string, { start: 0, end: (item as string).length, script }, `${path}[${i}]`, context)
            : typeof item === 'string' && this.#clean(item, context)
            ? item
            : this.value(item, `${path}[${i}]`, depth + 1, `${source}[${i}]`, context);
        if (next !== item && !out) out = v.slice(0, i);
        if (out && next !== DROP) out.push(next);
      }
      return out ?? v;
    }
    let out: Record<string, JsonValue> | undefined;
    const keys = Object.keys(v);
    // A name and a value (`{"name":"DB_PASSWORD","value":"..."}`): the value is read under the name too.
    const named = namedValue(v, keys);
    const holding = this.options.policy.keyRules.holdingIn(v, keys);
    // A statement's bind parameters beside it (`{"sql":"... values (?, ?)","bindings":[...]}`), by their columns.
    const bound = boundParameters(this.options.policy.keyRules, v, keys);
    // Parameters in an array, or in a string that holds one (Prisma's query event).
    if (bound && Array.isArray(v[bound.key])) this.#bound.set(v[bound.key] as JsonValue[], bound.items);
    const boundText = bound && typeof v[bound.key] === 'string' ? bound : undefined;
    const entryName = this.#entryNames.get(v);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const item = v[key] as JsonValue;
      const asNamed = named?.members.includes(key) === true ? named.name : undefined;
      // A key is text like any other (a map keyed by e-mail or address), tokenized as written; one without
      // letters is a value (`{"bankRtn":{"011000028":...}}`), read with the keys above it too.
      const keyContext = /\p{L}/u.test(key) ? NO_KEYS : context;
      const newKey = this.#clean(key, keyContext) ? key : this.string(key, `${path}{key}`, false, keyContext);
      const name = newKey === DROP ? key : newKey;
      // A kvlist entry's value is read under the name its list gives it too (see kvlistName).
      const byEntry = entryName !== undefined && key === 'value' ? memberDecision(this.options.policy.keyRules, key, entryName, holding) : undefined;
      const { decision, byName } = byEntry?.decision.mode === 'redact' ? byEntry : memberDecision(this.options.policy.keyRules, key, asNamed, holding);
      // An OTLP AnyValue keeps its shape: what it holds is replaced.
      const inner = byName ? anyValueMember(item) : undefined;
      let next: JsonValue | typeof DROP;
      // A skip rule spares a scalar (an id that looks like a secret) from all but the formats no id
      // looks like (see #skipped); what an object or array holds is walked.
      if (newKey === DROP) next = DROP;
      else if (decision.mode === 'skip' && (item === null || typeof item !== 'object')) next = typeof item === 'string' ? this.#skipped(item, fieldPath(path, name)) : item;
      else if (decision.mode === 'redact' && decision.rule && takes(decision.rule, inner === undefined ? item : (item as Record<string, JsonValue>)[inner])) {
        const childPath = fieldPath(path, name);
        next =
          inner !== undefined
            ? this.heldByKey(item as Record<string, JsonValue>, inner, childPath, decision.rule, decision.pattern ?? key, fieldPath(source, key))
            : this.byKey(item, childPath, decision.rule, decision.pattern ?? key, fieldPath(source, key));
        // An AnyValue that holds a list or a map, taken whole, stays an AnyValue: its token as a string.
        if (byName && typeof next === 'string' && anyValueContainer(item)) next = { stringValue: next };
      } else {
        // A skip rule's key names an id or a cursor: its words (resumeToken) say nothing of what it holds.
        const keyed = decision.mode === 'skip' ? context : contextWith(this.options.policy, key, context);
        // The name a name-value object gives its value, and the name a kvlist's entries give theirs
        // (the entry `{"key":"value","value":...}` is itself such an object, whose name is `value`).
        const named = asNamed === undefined ? keyed : contextWith(this.options.policy, asNamed, keyed);
        const itemContext = entryName !== undefined && key === 'value' ? contextWith(this.options.policy, entryName, named) : named;
        if (typeof item === 'string' && keys.length === 1 && BYTES_MEMBERS.includes(key)) next = this.#bytes(item, fieldPath(path, name), itemContext);
        else if (typeof item === 'string' && key === boundText?.key) next = this.#boundText(item, fieldPath(path, name), itemContext, boundText.items);
        // Most values of a record hold nothing and leave as they are: their paths are not made.
        else if (typeof item === 'string' && this.#clean(item, itemContext)) next = item;
        else {
          this.#keys.push(key);
          const childPath = fieldPath(path, name);
          next = this.value(item, childPath, depth + 1, source === path && name === key ? childPath : fieldPath(source, key), itemContext, key);
          this.#keys.pop();
        }
      }
      if ((next !== item || name !== key) && !out) {
        out = {};
        for (let j = 0; j < i; j++) setMember(out, keys[j] as string, v[keys[j] as string] as JsonValue);
      }
      if (!out || next === DROP) continue;
      // An AnyValue's number replaced by text holds it as a string (see redactedMember).
      const member = keys.length === 1 && next !== item ? redactedMember(name, next) : name;
      if (Object.hasOwn(out, member)) {
        throw new LogveilError('KEY_COLLISION', `two keys of the object at ${path} are redacted to the same text`);
      }
      setMember(out, member, next);
    }
    return out ?? v;
  }

  /**
   * A number leaf: scanned as written (and so also as its plain digits when written with an
   * exponent or a minus sign, see numbers.ts); kept as a number unless something in it is
   * redacted, then the redacted text. A finding in the plain digits replaces the whole number.
   */
  number(v: number, path: string, source = path, context: readonly string[] = NO_KEYS, under?: string): JsonValue | typeof DROP {
    const written = this.options.numbers?.at(source);
    const text = written ?? String(v);
    const out = this.string(text, path, true, context, written !== undefined, under);
    if (out !== text) return out;
    const known = this.written.get(v);
    if (!known) this.written.set(v, [text]);
    else if (!known.includes(text)) known.push(text);
    // A reading long enough to be a redacted value that the writing does not hold verbatim.
    const printed = Number.isSafeInteger(v) ? String(v) : undefined;
    const plain = plainNumber(text);
    if ((printed !== undefined && printed !== text && printed.length >= 6) || (plain !== undefined && plain.length >= 6)) this.numbersReadOtherwise = true;
    return v;
  }

  /**
   * `decoded`: a value found with its escapes decoded is tokenized decoded, so it joins with its
   * plain spelling. `context`: keys to read the value with (see {@link Walker.value}). `asWritten`:
   * the text is as the record's source writes it (a number printed anew may not be). `under`: the
   * key the value stands under, which allowlists read it with (see ScanContext).
   */
  string(text: string, path: string, decoded = true, context: readonly string[] = NO_KEYS, asWritten = true, under?: string): string | typeof DROP {
    if (asWritten && this.#clean(text, context)) return text;
    const out = this.#scan(text, path, decoded, context, this.options.valueDetectors?.of(text), this.options.knownMatches, under);
    return this.#encodings(out, path, context, 0);
  }

  /**
   * `out` (a string as scanned) with what it encodes read decoded (see encoded-readings.ts):
   * PowerShell's encoded commands, base64 and hex of text; `depth`: how many encodings deep it lies.
   */
  #encodings(out: string | typeof DROP, path: string, context: readonly string[], depth: number): string | typeof DROP {
    const commands = out !== DROP && mayHoldEncodedCommand(out) ? readEncodedCommands(out, path, this.#decoded(path, context, depth), depth) : out;
    return commands !== DROP && mayHoldEncodedText(commands) ? readEncodedTexts(commands, path, this.#decoded(path, context, depth), depth, this.#inflate) : commands;
  }

  /**
   * How a text decoded from a value at `path`, `depth` encodings deep, is read: with every
   * detector and key rule, and what it encodes in turn.
   */
  #decoded(path: string, context: readonly string[], depth = 0): Scan {
    return (text) => this.#encodings(this.#scan(text, path, true, context), path, context, depth + 1);
  }

  /**
   * An argument vector's item that is an encoded command (see encodedArgumentItems): read as
   * written first, as any string is; unchanged, read decoded.
   */
  #encodedArgument(item: string, command: EncodedCommand, path: string, context: readonly string[]): string | typeof DROP {
    const out = this.string(item, path, true, context);
    return out === item ? readEncodedCommands(item, path, this.#decoded(path, context), 0, [command]) : out;
  }

  /** True when the record names PowerShell's program (an argument vector's encoded command is read only then). */
  #programNamed(): boolean {
    this.#program ??= holdsProgram(this.#root);
    return this.#program;
  }

  /** A string that holds a statement's bind parameters as a JSON array (see boundTextValues), each item its column's rule takes taken by it; then read as any string. */
  #boundText(text: string, path: string, context: readonly string[], items: ReadonlyMap<number, BoundParameter>): string | typeof DROP {
    return this.#encodings(this.#scan(text, path, true, context, undefined, undefined, undefined, boundTextValues(text, items)), path, context, 0);
  }

  /** `only`: the detectors that can match (all when undefined); `known`: matches found ahead (see prepareLines); `bound`: values key rules take besides those the text names itself. */
  #scan(text: string, path: string, decoded: boolean, context: readonly string[], only?: readonly number[], known?: KnownMatches, under?: string, bound: readonly EmbeddedValue[] = []): string | typeof DROP {
    const { policy, actions, onScan } = this.options;
    const trace: TraceEntry[] | undefined = onScan ? [] : undefined;
    const matches = scanText(policy, text, trace, only, context.length === 0 && under === undefined ? undefined : { keys: context, under }, known);
    if (onScan && trace) onScan(path, text, trace);
    const edits = matches.map((m) => detectorEdit(m, actions.forDetector(m.detector.spec), decoded));
    const taken = embeddedValues(text, policy.keyRules, () => ownTokens(policy, text));
    // Besides, values a line of the text names on the line before (a manifest or a dump in a message).
    for (const v of [...bound, ...stringLineValues(text, policy)]) if (!taken.some((n) => n.start < v.end && v.start < n.end)) taken.push(v);
    const byKey = taken.sort((a, b) => a.start - b.start).map((v) => keyRuleEdit(v, actions.forKeyRule(v.rule)));
    return this.edit(text, path, byKey.length === 0 ? edits : withKeyRules(edits, byKey));
  }

  /**
   * An OTLP AnyValue's bytes (see bytes-value.ts), with every detector, since what the raw line
   * matched says nothing of what they spell. Read as written first: a detector that knows base64
   * (a PKCS#12 blob, a JWT encoded again) takes the whole value, whose every part may spell
   * something, and its token is encoded as the bytes. Else decoded: a finding there is redacted in
   * the text, which is encoded again. A value that is not base64, or whose bytes are a compressed
   * stream (gzip, zlib), is a string like any other: base64 inside a string is read inflated where
   * it spells compressed text, and written back compressed (see compressed-text.ts).
   */
  #bytes(value: string, path: string, context: readonly string[]): string | typeof DROP {
    const decoded = this.#compressed(value) ? undefined : bytesText(value);
    if (!decoded) return this.string(value, path, true, context);
    const keys = context.length === 0 ? undefined : { keys: context };
    const [first] = scanText(this.options.policy, value, undefined, undefined, keys);
    if (first) {
      const whole = this.edit(value, path, [{ start: 0, end: value.length, by: detectorEdit(first, this.options.actions.forDetector(first.detector.spec), true).by }]);
      return whole === DROP ? DROP : encodedBytes(whole, 'utf8');
    }
    const out = this.#decoded(path, context)(decoded.text);
    if (out === DROP) return DROP;
    return out === decoded.text ? value : encodedBytes(out, decoded.encoding);
  }

  /** Whether an AnyValue's bytes (base64) begin as a compressed stream that inflates (bytes that only start like one, `x^ ...`, are none). */
  #compressed(value: string): boolean {
    const head = value.slice(0, 2 * PROBE_CHARS).replace(/\s+/g, '').slice(0, PROBE_CHARS);
    const compression = compressionOf(head);
    return compression !== undefined && mayInflate(Buffer.from(head, /[-_]/.test(head) ? 'base64url' : 'base64'), compression, this.#inflate);
  }

  /**
   * A string a skip key rule spares (a trace id, a checksum), read as written with the detectors of
   * the secret formats no id or digest looks like alone (see CompiledPolicy.formatDetectors): a
   * GitHub token or a connection string logged as a request id is still redacted.
   */
  #skipped(text: string, path: string): string | typeof DROP {
    const { policy, actions, valueDetectors } = this.options;
    const formats = policy.formatDetectors;
    // The raw line's answer holds for a plain record's strings; else the value's own prefilter.
    const candidates = valueDetectors?.plain ? valueDetectors.of(text) : (policy.prefilter?.candidates(text) ?? []);
    const hits = candidates.filter((d) => formats.has(d));
    if (hits.length === 0) return text;
    return this.edit(text, path, scanHits(policy, text, hits).map((m) => detectorEdit(m, actions.forDetector(m.detector.spec), true)));
  }

  /**
   * True when {@link Walker.string} returns `text` (as written) unread: no detector can match it,
   * the line shows nothing a reading of it or its key could add, and it holds no encoded command.
   */
  #clean(text: string, context: readonly string[]): boolean {
    const known = this.options.valueDetectors;
    return context.length === 0 && known?.plain === true && known.of(text).length === 0 && !mayHoldEncodedCommand(text) && !mayHoldEncodedText(text);
  }

}


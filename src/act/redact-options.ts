/** What redactRecord (redact.ts) is given and what it answers. */
import type { CompiledPolicy } from '../detect/compile.js';
import type { KnownMatches, TraceEntry } from '../detect/scan.js';
import type { Finding, JsonValue } from '../record.js';
import type { ActionPolicy } from './actions.js';
import type { RedactedBy } from './edits.js';
import type { RedactKeys } from './replace.js';

export interface RedactOptions {
  policy: CompiledPolicy;
  actions: ActionPolicy;
  keys: RedactKeys;
  /** Deeper JSON nesting is an error (the record goes to quarantine). */
  maxDepth: number;
  /** Told the replacement text of every finding (dry runs show examples of the masked form). */
  onReplace?: (detectorId: string, replacement: string) => void;
  /**
   * Told what the scan of each string the walk reads found and nearly found (`patterns explain`
   * on a JSON record): the field path, the string and the trace of its scan (see scanText).
   */
  onScan?: (path: string, text: string, trace: readonly TraceEntry[]) => void;
  /**
   * The only detectors (indices) that can match a given string of the record, when the caller
   * knows them (from the record's raw line, which holds every string verbatim). `plain`: no
   * string or number of the record holds an escape, a quoted pair or a number that hides its
   * digits, so one that no detector can match as written is not scanned at all.
   */
  valueDetectors?: { of(text: string): readonly number[]; readonly plain?: boolean };
  /** Those detectors' matches in some of the strings, searched already (see scanText). */
  knownMatches?: KnownMatches;
  /**
   * The number at a field path as the record's source wrote it, when the caller has the source:
   * parsing rounds integers past 2^53, and the digits are what detectors look at.
   */
  numbers?: { at(path: string): string | undefined };
  /**
   * The JSON text the record was parsed from, when the caller has it: a value the record redacted
   * that it holds no more times than it was redacted needs no search for repeats.
   */
  source?: string;
  /**
   * Values another record redacted that this one belongs with (an OTLP log record's or span's
   * resource and scopes, see pipeline/frame-values.ts), each with what redacted it there (its
   * `count` 0): redacted where they stand alone in this record too, as the record's own are.
   */
  carried?: ReadonlyMap<string, RedactedBy>;
  /**
   * Only which values are redacted, and by what, is asked for (see redactedValues): each is
   * replaced by its label's mask, made with no key.
   */
  valuesOnly?: boolean;
}

export type RedactOutcome =
  /** `repeatsFrom`: the findings from this index on redact a value where it repeats (see repeats.ts). */
  | { kind: 'keep'; body: string | JsonValue; changed: boolean; findings: Finding[]; repeatsFrom?: number }
  | { kind: 'drop'; findings: Finding[]; reason: string };

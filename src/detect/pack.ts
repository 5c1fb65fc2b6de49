/**
 * The loaded, validated form of pattern packs (see docs/patterns.md).
 */
import type { Severity } from '../record.js';

export type TokenMode = 'deterministic' | 'randomized';

export type ActionSpec =
  | { type: 'tokenize'; mode?: TokenMode }
  | { type: 'hash' }
  | { type: 'mask'; text?: string }
  | { type: 'partial'; keepFirst: number; keepLast: number; maskChar: string }
  | { type: 'drop-field' }
  | { type: 'drop-record' };

export type ActionType = ActionSpec['type'];

export const ACTION_TYPES: readonly ActionType[] = ['tokenize', 'hash', 'mask', 'partial', 'drop-field', 'drop-record'];

/** A file position, quoted by errors, explain and test failures. */
export interface SpecSource {
  file: string;
  line: number;
}

export type AllowEntry = { value: string } | { regex: string; target?: AllowTarget };

/**
 * What an allowlist regex is matched against: the value found (`secret`, the default); the whole
 * match of the detector's regex, its context included (`match`); the line of the text scanned
 * (a log line, or one line of a field's string) that holds the value (`line`); or the text around
 * the value (`context`), where the value is allowed when one match of the regex holds it
 * (`Version=4.0.0.0, Culture=` holds `4.0.0.0`).
 */
export type AllowTarget = 'secret' | 'match' | 'line' | 'context';

export interface ValidatorRef {
  name: string;
  params: Record<string, unknown>;
}

export interface MatchCase {
  text: string;
  /** The exact span that must be redacted, when given. */
  secret?: string;
  source: SpecSource;
}

export interface NomatchCase {
  text: string;
  source: SpecSource;
}

export interface DetectorSpec {
  id: string;
  name: string;
  category: string;
  severity: Severity;
  label: string;
  regex: string;
  keywords: string[];
  keywordWindow: number;
  /**
   * `indented`: the secret is a YAML block under a key (a Kubernetes Secret's `stringData:`), which
   * ends at the first line indented no deeper than the key's line; a regex cannot count the key's
   * indentation, so the secret it matches is cut there (see indentedBlockEnd in regex-matches.ts).
   */
  block?: 'indented';
  validator?: ValidatorRef;
  allowlist: AllowEntry[];
  action: ActionSpec;
  refs: string[];
  tests: { match: MatchCase[]; nomatch: NomatchCase[] };
  source: SpecSource;
}

export type KeyRuleMode = 'redact' | 'skip' | 'scan';

export interface KeyRuleSpec {
  keys: string[];
  mode: KeyRuleMode;
  label: string;
  category: string;
  severity: Severity;
  action?: ActionSpec;
  /**
   * Only in an object that also holds each of these members with one of the values listed
   * (`{kind: [Secret]}`: the `data` of a Kubernetes Secret). Keys case-insensitive, values exact;
   * the value `*` is any string but the empty one (`{email: ['*']}`: the member is there); a
   * value with `*` in it is a glob over the whole string, `*` any run of characters
   * (`{id: ['https://*.vault.azure.net/secrets/*']}`).
   */
  where?: Record<string, string[]>;
  /**
   * A `redact` rule that takes a string only (`pass`, a password in one record and a count of
   * passed tests in another): a number, an object or an array under the key is read as any other.
   */
  strings?: boolean;
  /**
   * A `redact` rule that takes a string or a number only when this RE2 regex matches it (a number
   * as its decimal text; unanchored, as a detector's): a password typed into a user-name field
   * takes the field's rule, a user name does not; an EIN under `ein` is one as `94-1081436` or as
   * 941081436. What the rule does not take is read as any other value.
   */
  matching?: string;
  /**
   * A `redact` rule that takes an object whole unless its every member is one of these keys
   * (case-insensitive): such an object names the secret it refers to and is read as any other
   * (`{"secret":{"secretName":"web-tls","defaultMode":420}}`, a Kubernetes volume's source).
   */
  unlessMembers?: string[];
  source: SpecSource;
}

export interface PackSpec {
  id: string;
  description?: string;
  file: string;
  detectors: DetectorSpec[];
  keyRules: KeyRuleSpec[];
  allowlist: AllowEntry[];
}

/** The set of packs a run uses; `hash` is the SHA-256 of their canonical content. */
export interface PolicySpec {
  packs: PackSpec[];
  hash: string;
}

/** Normalizes the string shorthand of an action (`tokenize`) to its object form. */
export function normalizeAction(raw: unknown): ActionSpec {
  const obj = (typeof raw === 'string' ? { type: raw } : raw) as Record<string, unknown>;
  switch (obj.type) {
    case 'tokenize':
      return obj.mode ? { type: 'tokenize', mode: obj.mode as TokenMode } : { type: 'tokenize' };
    case 'mask':
      return typeof obj.text === 'string' ? { type: 'mask', text: obj.text } : { type: 'mask' };
    case 'partial':
      return {
        type: 'partial',
        keepFirst: typeof obj.keepFirst === 'number' ? obj.keepFirst : 0,
        keepLast: typeof obj.keepLast === 'number' ? obj.keepLast : 4,
        maskChar: typeof obj.maskChar === 'string' ? obj.maskChar : '*',
      };
    default:
      return { type: obj.type as 'hash' | 'drop-field' | 'drop-record' };
  }
}

/** Token label derived from a detector id: `aws-access-key` -> `AWS_ACCESS_KEY`. */
export function labelFor(id: string): string {
  return id.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

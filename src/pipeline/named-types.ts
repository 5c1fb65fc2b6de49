/**
 * What the readers across lines share: the value a marked line holds and the rule that takes it
 * (named-values.ts, bound-lines.ts, diagnose-lines.ts, command-lines.ts), and what the lines
 * before a batch leave open for named-values.ts, which the batcher carries from batch to batch.
 */
import type { KeyRuleSpec } from '../detect/pack.js';
import type { BlockLine, Quoting } from './named-lines.js';

/**
 * A name line ended the data, and the member lines read after it: the name, where its key starts
 * (UTF-16 units in its line), JSON or YAML, the members read (the name's, and the siblings'
 * strings: a key rule's conditions may ask for them), and how many member lines were read.
 */
export interface PendingName {
  readonly kind: 'name';
  readonly name: string;
  readonly column: number;
  readonly json: boolean;
  readonly members: Readonly<Record<string, string>>;
  readonly read: number;
  readonly siblings: number;
  /** The shape of the log prefix before the name line ('' for none): lines behind another are not its members (see log-prefix.ts). */
  readonly prefix: string;
  /** Lines behind a prefix of another shape passed over since it opened (none when absent). */
  readonly foreign?: number;
}

/** A netrc entry is open: the keywords it has given (NETRC_KEYWORDS in netrc-lines.ts, one bit each). */
export interface NetrcEntry {
  readonly kind: 'netrc';
  readonly seen: number;
  /** As {@link PendingName.prefix}. */
  readonly prefix: string;
  readonly foreign?: number;
}

/**
 * A key line ended the data (see KeyLine in named-lines.ts); `wrappers`: how many a Rust value has
 * opened since (`Some(`, `Secret(`), `column` the last one's; `read`: the lines of a block scalar
 * read since (none when absent), `indent` the first one's column.
 */
export interface PendingKey extends BlockLine {
  readonly kind: 'key';
  readonly wrappers: number;
  readonly read?: number;
  /** For a value member's block scalar under a name line (`value: |`): the name's members, which decide as they do for its other values. */
  readonly members?: Readonly<Record<string, string>>;
  /** As {@link PendingName.prefix}. */
  readonly prefix: string;
  readonly foreign?: number;
}

/** What the lines before a batch leave open for its first lines (see named-values.ts). */
export type NamedState = PendingName | NetrcEntry | PendingKey;

/** A value a marked line holds (UTF-16 offsets of the line's text), the key rule that takes it, the key pattern that matched, and how it is written. */
export interface NamedSpan {
  readonly start: number;
  readonly end: number;
  /** The value as read (a JSON string's escapes decoded; a number as written). */
  readonly value: string;
  readonly rule: KeyRuleSpec;
  readonly pattern: string;
  readonly quoting: Quoting;
  /** What is replaced, when more than the value and its quotes (see Scalar.outer). */
  readonly outer?: { readonly start: number; readonly end: number };
}

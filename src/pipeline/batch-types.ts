/**
 * What a batch is and what running it gives: the task the batcher cuts, the context a worker or
 * the main thread runs it in, and its result (see batch.ts).
 */
import type { ActionPolicy } from '../act/actions.js';
import type { LineFormat } from '../codecs/jsonl.js';
import type { DataKey, HashKey } from '../crypto/keys/cache.js';
import type { CompiledPolicy } from '../detect/compile.js';
import type { LogveilError } from '../errors.js';
import type { JsonValue, SourceRef } from '../record.js';
import type { RouteMatch, CompiledRouting } from '../route/compile.js';
import type { AppStreamMode } from '../route/event.js';
import type { SecurityEvent } from '../telemetry/events.js';
import type { NamedState } from './named-types.js';
import type { PemState } from './pem-blocks.js';
import type { TableState } from './table-values.js';

export const QUARANTINE_LABEL = 'QUARANTINE';
/** The body of a routed event for a record a detector's `drop-record` action dropped. */
export const DROPPED_BODY = '[[DROPPED]]';

/** Lines of one input, cut at line ends: `data` holds them, each ended by `\n` (the last may not be). */
export interface BatchTask {
  seq: number;
  file: string;
  /** 1-based number of the first line, and its byte offset in the file. */
  firstLine: number;
  firstOffset: number;
  data: Uint8Array;
  /**
   * Set when the task is one line longer than the record limit, which the batcher read past
   * without keeping it: `data` holds its first bytes, for the quarantine; `lineBytes` is its
   * length before its line end, `inputBytes` what it took of the input (with the line end).
   */
  tooLarge?: { lineBytes: number; inputBytes: number };
  /** The private key's PEM block the batch starts inside, if any (see pem-blocks.ts). */
  pem?: PemState;
  /** What the lines before the batch leave open: a name whose value may follow, a netrc entry (see named-values.ts). */
  named?: NamedState;
  /** The table open before the batch, whose rows its first lines may be (see table-values.ts). */
  table?: TableState;
  /** The last lines before the batch, which its lines may read back (see lookback.ts). */
  before?: readonly string[];
  /** Mark body lines without a BEGIN or END line in the batch (a Lambda invocation; see pem-blocks.ts). */
  orphanKeyLines?: boolean;
}

/** Per-line outcome codes in {@link BatchResult.outcomes}. */
export const Outcome = { Unchanged: 0, Redacted: 1, Dropped: 2, Quarantined: 3 } as const;

export interface QuarantineEntry {
  ts: string;
  source: SourceRef;
  code: string;
  kid: string;
  /** `[[QUARANTINE:tk1...]]` over the base64 of the record's raw bytes. */
  envelope: string;
}

export interface BatchResult {
  seq: number;
  lines: number;
  /** The app lines of the batch, each ended by `\n`. */
  output: Uint8Array;
  outcomes: Uint8Array;
  /** Findings and quarantine events, in line order. */
  events: SecurityEvent[];
  quarantine: QuarantineEntry[];
  findings: Record<string, number>;
  categories: Record<string, number>;
  /** Token encryptions made with the batch's data key. */
  tokenUses: number;
  fastPathLines: number;
  /** Examples of the masked form per detector, when asked for. */
  examples?: Record<string, string[]>;
  /** Records matched by routing rules, in line order. */
  routed: RoutedRecord[];
}

export interface BatchContext {
  policy: CompiledPolicy;
  actions: ActionPolicy;
  format: LineFormat;
  limits: { maxRecordBytes: number; maxDepth: number };
  /** The token key, or why there is none (a key-provider outage): records that need it are quarantined. */
  tokenKey: DataKey | LogveilError;
  hashKey: HashKey | undefined;
  /** Held for the whole run, so quarantine works while the provider is down. */
  quarantineKey: DataKey;
  /** Disable the fast path (the property tests compare both paths). */
  fastPath?: boolean;
  /** Fault injection for tests: a record containing this text throws during processing. */
  throwOnMarker?: string;
  /** Keep up to this many examples of the masked form per detector (dry runs). */
  examples?: number;
  /** Security routing rules; their raw-line patterns must be in the policy's line filter. */
  routing?: CompiledRouting;
  appStream?: AppStreamMode;
  /**
   * A line the batch's lines belong with, read for the values it redacts, not written (an OTLP
   * resource's frame, see frame-values.ts): they are redacted where its lines repeat them.
   */
  frame?: string;
}

/** A record some routing rule matched: what the engine needs for the routed event (already redacted). */
export interface RoutedRecord {
  source: SourceRef;
  matches: RouteMatch[];
  body: string | JsonValue;
  traceId?: string;
  spanId?: string;
  /** The record left the app stream (counted as dropped by policy). */
  removed: boolean;
  /** When the record says it happened (ms since the epoch), for threshold rules; see route/record-time.ts. */
  timeMs?: number;
}

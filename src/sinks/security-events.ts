/**
 * The security sink contract: never shared with app output, never drops. `write` appends; `flush`
 * makes what was written durable. Audit events that must be on disk before what they announce
 * happens are written and flushed first. Implementations: the ledger (`sinks/ledger/`) and the
 * Firehose security stream (`sinks/firehose/`).
 */
import type { SecurityEvent } from '../telemetry/events.js';

export interface SecuritySink {
  write(events: readonly SecurityEvent[]): Promise<void>;
  /**
   * As `write`, for events already in canonical JSON (`canonicalJson`, one per element): pool
   * workers send them so, which spares the main thread decoding and re-encoding every event.
   */
  writeCanonical(events: readonly string[]): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The security-event sink: JSON lines appended to a file of its own, never shared with app output.
 * `write` appends; `flush` makes what was written durable (fsync). Audit events that must be on
 * disk before what they announce happens are written and flushed first.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SecurityEvent } from '../telemetry/events.js';

export interface SecuritySink {
  write(events: readonly SecurityEvent[]): Promise<void>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** fsync at least this often even without an explicit flush. */
const FSYNC_EVERY_EVENTS = 1000;

export class JsonLinesSecuritySink implements SecuritySink {
  readonly #fd: number;
  readonly path: string;
  #count = 0;
  #unsynced = 0;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.path = path;
    this.#fd = openSync(path, 'a', 0o600);
  }

  get count(): number {
    return this.#count;
  }

  async write(events: readonly SecurityEvent[]): Promise<void> {
    if (events.length === 0) return;
    writeSync(this.#fd, events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    this.#count += events.length;
    this.#unsynced += events.length;
    if (this.#unsynced >= FSYNC_EVERY_EVENTS) await this.flush();
  }

  async flush(): Promise<void> {
    fsyncSync(this.#fd);
    this.#unsynced = 0;
  }

  async close(): Promise<void> {
    await this.flush();
    closeSync(this.#fd);
  }
}

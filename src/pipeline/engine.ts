/**
 * The redaction engine: lines in, redacted lines out, findings to the security sink, anything that
 * cannot be fully redacted to the encrypted quarantine. A line with no finding leaves byte-for-byte.
 */
import { ActionPolicy } from '../act/actions.js';
import { redactRecord } from '../act/redact.js';
import { decodeLine, encodeBody, type LineFormat } from '../codecs/jsonl.js';
import { splitLines } from '../codecs/lines.js';
import type { DataKeyCache, HashKey } from '../crypto/keys/cache.js';
import type { CompiledPolicy } from '../detect/compile.js';
import { LogveilError } from '../errors.js';
import type { LogRecord, SourceRef } from '../record.js';
import type { LineWriter } from '../sinks/line-writer.js';
import type { QuarantineSink } from '../sinks/quarantine.js';
import type { SecuritySink } from '../sinks/security-events.js';
import { findingsEvent } from '../telemetry/events.js';
import { Accounting, type RunSummary } from './accounting.js';

/** A named byte stream: a file, stdin, or anything async-iterable. */
export interface InputSource {
  name: string;
  chunks(): AsyncIterable<Buffer | string>;
}

export interface EngineOptions {
  policy: CompiledPolicy;
  actions: ActionPolicy;
  keys: DataKeyCache;
  format: LineFormat;
  limits: { maxRecordBytes: number; maxDepth: number };
  app: LineWriter;
  security: SecuritySink;
  quarantine: QuarantineSink;
  /** Clear, value-free messages about bad input (file:line, code). */
  onProblem?: (message: string) => void;
  /** Called after every record; progress displays read the accounting here. */
  onRecord?: (accounting: Accounting) => void;
}

/** Runs every input through the policy in order; returns the run's counts. */
export async function redactStreams(inputs: readonly InputSource[], o: EngineOptions): Promise<RunSummary> {
  const acc = new Accounting();
  let hashKey: HashKey | undefined;
  const hashKeyOnce = async (): Promise<HashKey> => (hashKey ??= await o.keys.hashKey());
  // The hash key is fetched before the first record that could need it: the redactor is synchronous.
  if (needsHashKey(o)) await hashKeyOnce();

  for (const input of inputs) {
    for await (const raw of splitLines(input.chunks())) {
      acc.recordsIn += 1;
      acc.bytesIn += raw.bytes.length + 1;
      const source: SourceRef = { file: input.name, line: raw.line, offset: raw.offset };
      const tokenKey = await o.keys.current();
      const quarantine = async (err: unknown): Promise<void> => {
        const code = err instanceof LogveilError ? err.code : 'PROCESSING_FAILED';
        const message = err instanceof LogveilError ? err.message : 'record processing failed';
        const entry = await o.quarantine.put(raw.bytes, source, code, tokenKey);
        acc.addQuarantine(code);
        o.onProblem?.(`${input.name}:${raw.line} ${code}: ${message}; record quarantined`);
        await o.security.write([
          { type: 'quarantine', ts: entry.ts, policyHash: o.policy.hash, source, code, message, kid: entry.kid },
        ]);
      };

      let record: LogRecord;
      try {
        record = decodeLine(raw.bytes, source, o.format, o.limits);
      } catch (err) {
        await quarantine(err);
        o.onRecord?.(acc);
        continue;
      }
      let outcome: ReturnType<typeof redactRecord>;
      try {
        outcome = redactRecord(record, {
          policy: o.policy,
          actions: o.actions,
          maxDepth: o.limits.maxDepth,
          keys: {
            tokenKey: () => tokenKey,
            hashKey: () => {
              if (!hashKey) throw new LogveilError('HASH_KEY_UNAVAILABLE', 'hash key was not loaded');
              return hashKey;
            },
          },
        });
      } catch (err) {
        await quarantine(err);
        o.onRecord?.(acc);
        continue;
      }
      if (outcome.kind === 'drop') {
        acc.dropped += 1;
      } else {
        const line = outcome.changed ? encodeBody(outcome.body, record.structured) : raw.bytes;
        await o.app.write(line);
        acc.appOut += 1;
      }
      if (outcome.findings.length > 0) {
        for (const f of outcome.findings) acc.addFinding(f.detectorId);
        await o.security.write([findingsEvent(o.policy.hash, source, outcome.findings)]);
      }
      o.onRecord?.(acc);
    }
  }
  return acc.summary();
}

function needsHashKey(o: EngineOptions): boolean {
  return (
    o.policy.detectors.some((d) => o.actions.forDetector(d.spec).type === 'hash') ||
    o.policy.spec.packs.some((p) => p.keyRules.some((r) => r.mode === 'redact' && o.actions.forKeyRule(r).type === 'hash'))
  );
}

import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { localKeys } from '../../helpers/keys.js';
import { quarantineRecord } from '../../../src/pipeline/batch.js';
import type { RouteMatch } from '../../../src/route/compile.js';
import { routedEvent } from '../../../src/route/event.js';
import { Heartbeat } from '../../../src/sinks/ledger/heartbeat.js';
import type { SecuritySink } from '../../../src/sinks/security-events.js';
import { EVENT_SCHEMAS, EVENT_TYPES, LEDGER_ENTRY_SCHEMA, SECURITY_EVENT_SCHEMA } from '../../../src/telemetry/events-schema.js';
import { findingsEvent, type SecurityEvent } from '../../../src/telemetry/events.js';

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(SECURITY_EVENT_SCHEMA);
const problems = (e: unknown): string => (validate(e) ? '' : ajv.errorsText(validate.errors));

const HASH = 'c0ffee'.repeat(10) + 'c0ff';
const MATCH: RouteMatch = { ruleId: 'ssh-auth-failure', name: 'SSH', severity: 'medium', category: 'authentication', mitre: ['T1110'] };

/** Collects what a heartbeat writes. */
class MemorySink implements SecuritySink {
  readonly events: SecurityEvent[] = [];
  async write(events: readonly SecurityEvent[]): Promise<void> {
    this.events.push(...events);
  }
  async writeCanonical(events: readonly string[]): Promise<void> {
    this.events.push(...events.map((e) => JSON.parse(e) as SecurityEvent));
  }
  async flush(): Promise<void> {}
  async close(): Promise<void> {}
}

describe('security event schema', () => {
  it('has a schema for every event type of the union, and compiles in strict mode', () => {
    expect([...EVENT_TYPES].sort()).toEqual(
      ['detokenize', 'findings', 'heartbeat', 'key-created', 'ledger-recovery', 'ledger-unsigned', 'quarantine', 'records-dropped', 'routed', 'run-start', 'run-stop'].sort(),
    );
    for (const t of EVENT_TYPES) expect(() => ajv.compile(EVENT_SCHEMAS[t])).not.toThrow();
    expect(() => ajv.compile(LEDGER_ENTRY_SCHEMA)).not.toThrow();
  });

  it('accepts a records-dropped event and a quarantine event whose entry did not arrive, and refuses members they do not have', () => {
    const dropped = { type: 'records-dropped', ts: '2026-01-01T00:00:00.000Z', policyHash: HASH, reason: 'key-unavailable', records: 3, code: 'KMS_UNAVAILABLE', invocationId: 'inv-1' };
    expect(problems(dropped)).toBe('');
    expect(problems({ ...dropped, reason: 'other' })).not.toBe('');
    expect(problems({ ...dropped, message: 'x' })).not.toBe('');
    const lost = { type: 'quarantine', ts: '2026-01-01T00:00:00.000Z', policyHash: HASH, source: { recordId: 'r1' }, code: 'GZIP_INVALID', message: 'm', kid: 'k1', entry: 'undelivered' };
    expect(problems(lost)).toBe('');
    expect(problems({ ...lost, entry: 'delivered' })).not.toBe('');
  });

  it('accepts the findings event the batch code builds', () => {
    const e = findingsEvent(HASH, { file: 'a.log', line: 3, offset: 40 }, [
      { detectorId: 'email', category: 'pii', severity: 'medium', label: 'EMAIL', path: '$.user.email', start: 0, end: 12, action: 'tokenize', kid: 'k1' },
    ], { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' });
    expect(problems(e)).toBe('');
  });

  it('accepts the quarantine event the batch code builds', async () => {
    const { keys } = await localKeys();
    const key = await keys.current();
    const r = quarantineRecord(Buffer.from('x'), { file: 'a.log', line: 9, offset: 0 }, new Error('boom'), key, HASH);
    expect(problems(r.quarantineEvent)).toBe('');
    keys.close();
  });

  it('accepts routed events, with and without a threshold', () => {
    const base = { routingHash: HASH, policyHash: HASH, source: { file: 'auth.log', line: 1 }, appStream: 'keep' as const };
    expect(problems(routedEvent({ ...base, matches: [MATCH], redacted: { body: 'sshd[1]: Failed password for [[USER]]' } }))).toBe('');
    const tripped: RouteMatch = { ...MATCH, ruleId: 'http-auth-denied-repeated', threshold: { count: 10, windowSeconds: 60, key: 'k' } };
    const e = routedEvent({ ...base, matches: [tripped], redacted: { body: { status: 401 }, attributes: { 'service.name': 'web' } }, batchId: 4 });
    expect(problems(e)).toBe('');
    expect(e).toMatchObject({ threshold: { count: 10, windowSeconds: 60 }, record: { attributes: { 'service.name': 'web' } } });
    expect(JSON.stringify(e)).not.toContain('"key"');
  });

  it('accepts heartbeat events', async () => {
    const sink = new MemorySink();
    const hb = new Heartbeat(sink, { intervalSeconds: 30, describe: () => ({ deploymentId: 'host-1', version: '0.1.0', counts: { recordsIn: 5, appOut: 5, dropped: 0, quarantined: 0 } }) });
    await hb.beat();
    await hb.beat();
    expect(sink.events.map((e) => (e as { beat: number }).beat)).toEqual([1, 2]);
    for (const e of sink.events) expect(problems(e)).toBe('');
  });

  it('accepts the audit events of runs, keys, detokenize and ledger recovery', () => {
    const ts = new Date().toISOString();
    const events: SecurityEvent[] = [
      { type: 'run-start', ts, policyHash: HASH, version: '0.1.0', configHash: HASH, deploymentId: 'ci-42', routingHash: HASH },
      { type: 'run-stop', ts, policyHash: HASH, version: '0.1.0', configHash: HASH, counts: { recordsIn: 3, appOut: 2, dropped: 0, quarantined: 1, routed: 1 } },
      { type: 'key-created', ts, policyHash: HASH, kid: 'abc', provider: 'local', keyId: 'local:1234', purpose: 'tokenize' },
      { type: 'detokenize', ts, principal: null, reason: null, outcome: 'denied', tokens: 0, failed: 0, kids: [], detail: 'no --principal given' },
      { type: 'ledger-recovery', ts, segment: 'ledger-000001.jsonl', line: 5, lastSeq: 4, tornBytes: 42, savedAs: 'ledger-000001.jsonl.torn-5' },
    ];
    for (const e of events) expect(problems(e), e.type).toBe('');
  });

  it('rejects an event carrying a member it does not define (a value cannot ride along)', () => {
    const e = { ...findingsEvent(HASH, { file: 'a.log', line: 1 }, []), value: 'jane@example.com' };
    expect(problems({ ...e, findings: [{ detectorId: 'email', category: 'pii', severity: 'low', path: '$', start: 0, end: 1, action: 'mask' }] })).toMatch(/additional properties/);
    expect(problems({ type: 'heartbeat', ts: 'yesterday', intervalSeconds: 1, beat: 1, uptimeSeconds: 0 })).toMatch(/ts/);
    expect(problems({ type: 'nope', ts: new Date().toISOString() })).not.toBe('');
  });
});

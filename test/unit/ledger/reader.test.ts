import { describe, expect, it } from 'vitest';
import { parseTime } from '../../../src/cli/commands/ledger.js';
import { eventSeverity, matchesFilter, readLedgerEvents } from '../../../src/sinks/ledger/reader.js';
import { Heartbeat } from '../../../src/sinks/ledger/heartbeat.js';
import { LedgerSink } from '../../../src/sinks/ledger/sink.js';
import type { SecurityEvent } from '../../../src/telemetry/events.js';
import { sampleEvent, signer, tempDir, writeLedger } from './fixtures.js';

describe('ledger reader', () => {
  it('reads the events in order with seq and file:line, skipping segment entries', async () => {
    const dir = tempDir();
    await writeLedger(dir, [2, 2], { signer: await signer(), segmentBytes: 700 });
    const events = [...readLedgerEvents([dir])];
    expect(events).toHaveLength(4);
    expect(events.map((e) => e.event.type)).toEqual(['findings', 'findings', 'heartbeat', 'findings']);
    expect(events[0]).toMatchObject({ line: 2, file: expect.stringMatching(/ledger-000001\.jsonl$/) });
    const seqs = events.map((e) => e.seq);
    expect(seqs[0]).toBe(2);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] as number);
    expect(new Set(events.map((e) => e.file)).size).toBe(2);
  });

  it('filters by type, time, detector or rule, and severity', () => {
    const findings = sampleEvent(0); // aws-access-key, critical
    const pii = sampleEvent(1); // email, medium
    const beat = sampleEvent(2);
    const routed: SecurityEvent = {
      type: 'routed', ts: '2024-01-01T00:00:00.000Z', routingHash: 'a'.repeat(64), source: { file: 'x' }, severity: 'high', appStream: 'keep',
      rules: [{ id: 'sudo-auth-failure', severity: 'high', category: 'privilege-escalation' }], record: { body: 'x' },
    };
    expect(matchesFilter(beat, { types: ['heartbeat'] })).toBe(true);
    expect(matchesFilter(findings, { types: ['heartbeat', 'routed'] })).toBe(false);
    expect(matchesFilter(pii, { detector: 'email' })).toBe(true);
    expect(matchesFilter(routed, { detector: 'sudo-auth-failure' })).toBe(true);
    expect(matchesFilter(findings, { detector: 'email' })).toBe(false);
    expect(eventSeverity(findings)).toBe('critical');
    expect(matchesFilter(pii, { minSeverity: 'high' })).toBe(false);
    expect(matchesFilter(routed, { minSeverity: 'high' })).toBe(true);
    expect(matchesFilter(beat, { minSeverity: 'low' })).toBe(false);
    expect(matchesFilter(routed, { since: new Date('2023-12-31T00:00:00Z'), until: new Date('2024-01-02T00:00:00Z') })).toBe(true);
    expect(matchesFilter(routed, { since: new Date('2024-01-02T00:00:00Z') })).toBe(false);
  });

  it('parses --since as ISO 8601 or a duration back from now', () => {
    expect(parseTime('2024-05-01T00:00:00Z', '--since').toISOString()).toBe('2024-05-01T00:00:00.000Z');
    expect(parseTime('2h', '--since', 10_000_000).getTime()).toBe(10_000_000 - 7_200_000);
    expect(() => parseTime('yesterday', '--since')).toThrow(/--since: expected an ISO 8601 time/);
  });
});

describe('heartbeat', () => {
  it('beats into the ledger and stops, reporting a sink that fails', async () => {
    const dir = tempDir();
    const sink = await LedgerSink.open(dir, { signer: await signer() });
    const hb = new Heartbeat(sink, { intervalSeconds: 0.02 });
    hb.start();
    await new Promise((r) => setTimeout(r, 90));
    await hb.stop();
    await sink.close();
    const beats = [...readLedgerEvents([dir])].map((e) => e.event);
    expect(beats.length).toBeGreaterThanOrEqual(2);
    expect(beats.map((b) => (b as { beat: number }).beat)).toEqual(beats.map((_, i) => i + 1));

    const errors: unknown[] = [];
    const broken = new Heartbeat(sink, { intervalSeconds: 1, onError: (e) => errors.push(e) });
    await broken.beat();
    expect(errors).toHaveLength(1);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FirehoseSecuritySink } from '../../../src/sinks/firehose/security.js';
import { verifyExport } from '../../../src/sinks/ledger/verify-export.js';
import { DEADLINE_EXCEEDED, FirehoseStream, type DeliveryEvent } from '../../../src/sinks/firehose/stream.js';
import { joinLineParts, type LinePart } from '../../../src/sinks/firehose/pack.js';
import { MAX_BATCH_BYTES, MAX_BATCH_RECORDS, MAX_RECORD_BYTES } from '../../aws/firehose.js';
import { AwsTestServer } from '../../aws/server.js';

let server: AwsTestServer;
let n = 0;
let name: string;
beforeAll(async () => {
  server = await AwsTestServer.start();
});
afterAll(() => server.close());
beforeEach(() => {
  name = `stream-${n++}`;
  server.firehose.createStream(name);
  server.clearFaults();
});

function stream(events: DeliveryEvent[] = [], options: { maxAttempts?: number; recordPerLine?: boolean; requestTimeoutMs?: number; now?: () => number } = {}): FirehoseStream {
  return new FirehoseStream({
    client: server.firehoseClient(options.requestTimeoutMs),
    streamName: name,
    retry: { maxAttempts: options.maxAttempts ?? 5, baseDelayMs: 1, maxDelayMs: 4 },
    ...(options.recordPerLine ? { recordPerLine: true } : {}),
    ...(options.now ? { now: options.now } : {}),
    onEvent: (e) => events.push(e),
  });
}

const lines = (count: number, size = 20): Array<{ line: string; tag: number }> =>
  Array.from({ length: count }, (_, i) => ({ line: `${String(i).padStart(6, '0')} ${'x'.repeat(Math.max(0, size - 7))}`, tag: i }));

describe('Firehose stream sink (real SDK against the local server)', () => {
  it('packs lines into records and delivers them in order', async () => {
    const input = lines(1000);
    const r = await stream().putLines(input);
    expect(r).toMatchObject({ delivered: 1, failed: [], calls: 1, retries: 0 });
    expect(server.firehose.lines(name)).toEqual(input.map((l) => l.line));
  });

  it('keeps every call within 500 records and 4 MiB, and every record within 1,000 KiB', async () => {
    const many = await stream([], { recordPerLine: true }).putLines(lines(1234));
    expect(many.calls).toBe(3);
    const big = await stream().putLines(lines(12, 900 * 1024));
    expect(big.calls).toBe(3);
    const calls = server.calls.filter((c) => c.stream === name);
    expect(calls.every((c) => c.status === 200 && (c.records ?? 0) <= MAX_BATCH_RECORDS)).toBe(true);
    expect(server.firehose.records(name).every((d) => d.length <= MAX_RECORD_BYTES)).toBe(true);
    expect(MAX_BATCH_BYTES).toBe(4 * 1024 * 1024);
    expect(server.firehose.lines(name)).toHaveLength(1234 + 12);
  });

  it('splits a line longer than a record into parts that join back, never cutting it silently', async () => {
    const events: DeliveryEvent[] = [];
    const long = `{"message":"${'word [[EMAIL:tk1.abcDEF123456.payload_payload]] '.repeat(60_000)}"}`;
    await stream(events).putLines([{ line: 'before', tag: 0 }, { line: long, tag: 1 }, { line: 'after', tag: 2 }]);
    const out = server.firehose.lines(name);
    expect(out[0]).toBe('before');
    expect(out[out.length - 1]).toBe('after');
    const parts = out.slice(1, -1).map((l) => JSON.parse(l) as LinePart);
    expect(parts.length).toBeGreaterThan(1);
    expect(joinLineParts(parts)).toBe(long);
    for (const p of parts) expect(p.text).not.toMatch(/\[\[[^\]]*$|^[^[]*\]\]/);
    expect(events.find((e) => e.type === 'split')).toEqual({ type: 'split', stream: name, parts: parts.length });
  });

  it('on a partial failure resends only the failed entries, in their order, with backoff', async () => {
    server.fail({ target: 'PutRecordBatch', kind: 'partial', failEvery: 3, stream: name });
    const events: DeliveryEvent[] = [];
    const input = lines(10);
    const r = await stream(events, { recordPerLine: true }).putLines(input);
    expect(r).toMatchObject({ delivered: 10, failed: [], calls: 2, retries: 1 });
    const calls = server.calls.filter((c) => c.stream === name);
    expect(calls.map((c) => c.records)).toEqual([10, 4]);
    const out = server.firehose.lines(name);
    expect(out.slice(6)).toEqual([0, 3, 6, 9].map((i) => input[i]?.line));
    expect(new Set(out).size).toBe(10);
    expect(events.filter((e) => e.type === 'partial')).toEqual([{ type: 'partial', stream: name, failed: 4, code: 'ServiceUnavailableException' }]);
  });

  it('retries throttling and 5xx, then delivers without duplicates', async () => {
    server.fail({ target: 'PutRecordBatch', kind: 'throttle', times: 2, stream: name }).fail({ target: 'PutRecordBatch', kind: 'server-error', stream: name });
    const events: DeliveryEvent[] = [];
    const r = await stream(events).putLines(lines(5));
    expect(r).toMatchObject({ delivered: 1, failed: [], calls: 4, retries: 3 });
    expect(events.filter((e) => e.type === 'retry').map((e) => (e as { code: string }).code)).toEqual(['ServiceUnavailableException', 'ServiceUnavailableException', 'InternalFailure']);
    expect(server.firehose.lines(name)).toHaveLength(5);
  });

  it('returns what still fails after the retry budget, tagged, instead of dropping it', async () => {
    server.fail({ target: 'PutRecordBatch', kind: 'partial', failIndexes: [1], stream: name }).fail({ target: 'PutRecordBatch', kind: 'partial', failIndexes: [0], times: 10, stream: name });
    const r = await stream([], { maxAttempts: 3, recordPerLine: true }).putLines(lines(3));
    expect(r.calls).toBe(3);
    expect(r.failed.map((f) => [f.record.tags, f.code])).toEqual([[[1], 'ServiceUnavailableException']]);
    expect(server.firehose.lines(name)).toHaveLength(2);
  });

  it('does not retry what cannot succeed (a missing stream)', async () => {
    const r = await new FirehoseStream({ client: server.firehoseClient(), streamName: 'no-such-stream', retry: { baseDelayMs: 1, maxDelayMs: 2 } }).putLines(lines(2));
    expect(r.calls).toBe(1);
    expect(r.failed[0]?.code).toBe('ResourceNotFoundException');
  });

  it('stops retrying at the deadline, and starts no call past it', async () => {
    server.fail({ target: 'PutRecordBatch', kind: 'throttle', times: Infinity, stream: name });
    const soon = await stream([], { maxAttempts: 100_000 }).putLines(lines(1), { deadline: Date.now() + 150 });
    expect(soon.calls).toBeGreaterThanOrEqual(1);
    // Waits of 1-4 ms: a few dozen calls fit in 150 ms, not the 100,000 allowed.
    expect(soon.calls).toBeLessThan(1000);
    // The last answer's code, or the deadline's when it came during a call.
    expect(soon.failed).toHaveLength(1);
    expect(['ServiceUnavailableException', DEADLINE_EXCEEDED]).toContain(soon.failed[0]?.code);
    const late = await stream([], { maxAttempts: 10 }).putLines(lines(1), { deadline: Date.now() - 1 });
    expect(late.calls).toBe(0);
    expect(late.failed.map((f) => f.code)).toEqual([DEADLINE_EXCEEDED]);
  });

  it('cuts off a call still out at the deadline rather than waiting for its request timeout', async () => {
    server.fail({ target: 'PutRecordBatch', kind: 'latency', latencyMs: 3000, stream: name });
    const started = Date.now();
    const r = await stream([], { requestTimeoutMs: 10_000 }).putLines(lines(2), { deadline: started + 200 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r).toMatchObject({ delivered: 0, calls: 1, retries: 0 });
    expect(r.failed.map((f) => f.code)).toEqual([DEADLINE_EXCEEDED]);
  });

  it('retries a call that timed out; the duplicate this can make is the retry\'s own', async () => {
    server.fail({ target: 'PutRecordBatch', kind: 'latency', latencyMs: 400, stream: name });
    const events: DeliveryEvent[] = [];
    const r = await stream(events, { requestTimeoutMs: 100 }).putLines(lines(1));
    expect(r.failed).toEqual([]);
    expect(r.retries).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const out = server.firehose.lines(name);
    expect(out.length).toBeLessThanOrEqual(1 + r.retries);
    expect(new Set(out).size).toBe(1);
  });
});

describe('Firehose security sink', () => {
  it('verifies an export whose entries came in parts, in any order and object, and reports a split line that misses a part', async () => {
    // Records of 1 KiB: an event holding a 3,000-character record is split in parts.
    const small = new FirehoseStream({ client: server.firehoseClient(), streamName: name, limits: { maxRecordBytes: 1024 } });
    const sink = new FirehoseSecuritySink(small, () => ({}), 'host-2');
    const body = `GET /${'a'.repeat(3000)} 401`;
    await sink.write([{ type: 'run-start', ts: 't', version: '1', configHash: 'h' }]);
    await sink.write([{ type: 'routed', ts: 't', policyHash: 'p', routingHash: 'r', source: { file: 'f' }, rules: [{ id: 'x', severity: 'low', category: 'c' }], severity: 'low', appStream: 'keep', record: { body } }]);
    await sink.close();
    const lines = server.firehose.lines(name);
    const parts = lines.filter((l) => l.startsWith('{"logveilPart":'));
    expect(parts.length).toBeGreaterThan(2);
    const dir = mkdtempSync(join(tmpdir(), 'logveil-export-'));
    // The parts backwards, one of them twice, across two objects.
    writeFileSync(join(dir, 'a'), [...lines].reverse().slice(0, 3).map((l) => `${l}\n`).join(''));
    writeFileSync(join(dir, 'b'), [...[...lines].reverse().slice(2), parts[0] as string].map((l) => `${l}\n`).join(''));
    expect(verifyExport([join(dir, 'a'), join(dir, 'b')])).toMatchObject({ ok: true, entries: 3, chains: [{ ledgerId: sink.ledgerId, lastSeq: 3 }] });
    writeFileSync(join(dir, 'b'), lines.filter((l) => l !== parts[1]).map((l) => `${l}\n`).join(''));
    const cut = verifyExport([join(dir, 'b')]);
    expect(cut.ok).toBe(false);
    expect(cut.problems.map((p) => p.message)).toContain(`a line split in ${parts.length} parts (id ${(JSON.parse(parts[0] as string) as { logveilPart: { id: string } }).logveilPart.id}) has ${parts.length - 1} of them`);
  });


  it('keeps undelivered events and fails the flush, then delivers them on the next flush', async () => {
    const sink = new FirehoseSecuritySink(stream([], { maxAttempts: 2 }), () => ({}), 'host-1');
    await sink.write([{ type: 'run-start', ts: 't', version: '1', configHash: 'h' }]);
    server.fail({ target: 'PutRecordBatch', kind: 'access-denied', stream: name });
    // The chain's segment entry and the event.
    await expect(sink.flush()).rejects.toThrow(`2 security events not delivered to Firehose stream ${name} (last error AccessDeniedException)`);
    expect(sink.pending).toBe(2);
    await sink.writeCanonical(['{"beat":1,"intervalSeconds":60,"ts":"t","type":"heartbeat","uptimeSeconds":60}']);
    await sink.close();
    expect(sink.pending).toBe(0);
    const entries = server.firehose.lines(name).map((l) => JSON.parse(l) as { kind: string; seq: number; ledgerId?: string; event?: { type: string } });
    expect(entries.map((e) => [e.kind, e.seq, e.event?.type])).toEqual([['segment', 1, undefined], ['event', 2, 'run-start'], ['event', 3, 'heartbeat']]);
    expect(entries[0]?.ledgerId).toBe(sink.ledgerId);
    expect(sink.ledgerId).toMatch(/^host-1\//);
    // What went through verifies as an export.
    const file = join(mkdtempSync(join(tmpdir(), 'logveil-export-')), 'security');
    writeFileSync(file, server.firehose.lines(name).map((l) => `${l}\n`).join(''));
    expect(verifyExport([file])).toMatchObject({ ok: true, entries: 3, chains: [{ ledgerId: sink.ledgerId, lastSeq: 3 }] });
  });
});

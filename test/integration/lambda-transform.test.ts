/**
 * The Firehose transform's contract: every recordId back once, Ok or Dropped, never
 * ProcessingFailed, and no failed invocation once there are records (Firehose writes a failed
 * invocation's records as they came); undecodable records become encrypted quarantine entries;
 * the response stays within its budget by re-ingesting (already redacted) what does not fit.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FirehoseTransformResponse } from '../../src/codecs/aws-events.js';
import { MAX_PENDING_EVENTS } from '../../src/lambda/runtime.js';
import type { LambdaMetrics } from '../../src/lambda/metrics.js';
import type { AwsTestServer } from '../aws/server.js';
import { cwPayload, firehoseEvent, openHandler, openQuarantine, startAws, securityEvents, STREAMS, streamJson } from '../aws/lambda.js';

let aws: { server: AwsTestServer; env: Record<string, string> };
beforeEach(async () => {
  aws = await startAws();
});
afterEach(() => aws.server.close());

const okLines = (r: FirehoseTransformResponse): string[] =>
  r.records.filter((x) => x.result === 'Ok').flatMap((x) => Buffer.from(x.data as string, 'base64').toString().trimEnd().split('\n'));

describe('firehose-transform', () => {
  it('turns undecodable records into encrypted quarantine entries, never ProcessingFailed with raw data', async () => {
    const transform = await openHandler('firehose-transform', aws.env);
    const damaged = Buffer.from('{"messageType":"DATA_MESSAGE","logGroup":"g","logStream":"s","logEvents":[{"id":"1","message":"maria.lopez@corp-mail.net"');
    const inputs = [gzipSync(JSON.stringify(cwPayload(['ok 198.51.100.23']))), gzipSync(damaged).subarray(0, 40), damaged];
    const event = firehoseEvent(inputs);
    event.records.push({ recordId: 'bad-base64', data: '%%%not base64 maria.lopez@corp-mail.net' });
    const res = await transform(event);
    expect(res.records.map((r) => [r.recordId, r.result])).toEqual([
      ['rec-0', 'Ok'],
      ['rec-1', 'Dropped'],
      ['rec-2', 'Dropped'],
      ['bad-base64', 'Dropped'],
    ]);
    expect(JSON.stringify(res)).not.toMatch(/maria|198\.51/);
    const entries = streamJson(aws.server, STREAMS.quarantine);
    expect(entries.map((e) => [(e.source as { recordId: string }).recordId, e.code])).toEqual([
      ['rec-1', 'GZIP_INVALID'],
      ['rec-2', 'JSON_INVALID'],
      ['bad-base64', 'BASE64_INVALID'],
    ]);
    const opened = await openQuarantine(aws.server, entries.map((e) => e.envelope as string));
    expect(opened[0]?.equals(inputs[1] as Buffer)).toBe(true);
    expect(opened[1]?.equals(damaged)).toBe(true);
    expect(opened[2]?.toString()).toBe('%%%not base64 maria.lopez@corp-mail.net');
    expect(transform.runtime.metrics.snapshot()).toMatchObject({ recordsIn: 4, appOut: 1, quarantined: 3 });
  });

  it('drops control messages, data messages without events and records the policy drops, and counts them', async () => {
    const config = join(aws.env.LOGVEIL_STATE_DIR as string, 'drop.yaml');
    writeFileSync(config, 'actions:\n  byDetector:\n    email: {type: drop-record}\n');
    const transform = await openHandler('firehose-transform', { ...aws.env, LOGVEIL_CONFIG: config });
    const control = { messageType: 'CONTROL_MESSAGE', owner: 'CloudwatchLogs', logGroup: '', logStream: '', subscriptionFilters: [], logEvents: [{ id: '', timestamp: 1, message: 'CWL CONTROL MESSAGE: Checking health of destination Firehose.' }] };
    const res = await transform(
      firehoseEvent([gzipSync(JSON.stringify(control)), gzipSync(JSON.stringify(cwPayload(['mail maria.lopez@corp-mail.net']))), gzipSync(JSON.stringify(cwPayload(['a', 'b maria.lopez@corp-mail.net']))), gzipSync(JSON.stringify(cwPayload([])))]),
    );
    expect(res.records.map((r) => r.result)).toEqual(['Dropped', 'Dropped', 'Ok', 'Dropped']);
    expect(okLines(res).map((l) => (JSON.parse(l) as { message: string }).message)).toEqual(['a']);
    expect(Object.fromEntries(transform.runtime.metrics.droppedByReason)).toEqual({ 'control-message': 1, policy: 2, empty: 1 });
    expect(transform.runtime.metrics.snapshot()).toMatchObject({ recordsIn: 5, appOut: 1, dropped: 4, quarantined: 0 });
  });

  it('keeps the response within its budget: what does not fit is re-ingested, redacted, and marked Dropped', async () => {
    const transform = await openHandler('firehose-transform', { ...aws.env, LOGVEIL_MAX_RESPONSE_BYTES: '8192' });
    const records = Array.from({ length: 8 }, (_, r) => gzipSync(JSON.stringify(cwPayload(Array.from({ length: 10 }, (_, i) => `r${r} e${i} user maria.lopez@corp-mail.net padding ${'x'.repeat(60)}`), `r${r}`))));
    const res = await transform(firehoseEvent(records));
    expect(Buffer.byteLength(JSON.stringify(res))).toBeLessThanOrEqual(8192);
    expect(res.records.map((r) => r.recordId)).toEqual(records.map((_, i) => `rec-${i}`));
    const reingested = res.records.filter((r) => r.result === 'Dropped').length;
    expect(reingested).toBeGreaterThan(0);
    const m = transform.runtime.metrics.snapshot();
    expect(m.reingested).toBe(reingested);
    expect(m).toMatchObject({ recordsIn: 80, appOut: 80, dropped: 0, quarantined: 0 });
    const again = aws.server.firehose.records(STREAMS.source);
    expect(Buffer.concat(again).toString()).not.toContain('maria.lopez');
    // Firehose hands the re-ingested records to the transform again (in production the budget is
    // 6 MB and a re-ingested record at most 1,000 KiB, so they fit): they come back Ok, unchanged.
    const later = await openHandler('firehose-transform', { ...aws.env, LOGVEIL_STATE_DIR: `${aws.env.LOGVEIL_STATE_DIR}/later` });
    const second = await later(firehoseEvent(again, again.map((_, i) => `again-${i}`)));
    expect(second.records.every((r) => r.result === 'Ok')).toBe(true);
    const all = [...okLines(res), ...okLines(second)].map((l) => (JSON.parse(l) as { id: string }).id);
    expect(all.sort()).toEqual(records.flatMap((_, r) => Array.from({ length: 10 }, (_, i) => `r${r}-${i}`)).sort());
    expect(Buffer.concat(again).toString().trimEnd().split('\n')).toEqual(okLines(second));
  });

  it('quarantines what could not be re-ingested rather than losing it', async () => {
    const transform = await openHandler('firehose-transform', { ...aws.env, LOGVEIL_MAX_RESPONSE_BYTES: '2048', LOGVEIL_DELIVERY_MAX_ATTEMPTS: '2' });
    aws.server.fail({ target: 'PutRecordBatch', kind: 'throttle', times: Infinity, stream: STREAMS.source });
    const records = Array.from({ length: 4 }, (_, r) => gzipSync(JSON.stringify(cwPayload([`r${r} ${'y'.repeat(900)}`], `r${r}`))));
    const res = await transform(firehoseEvent(records));
    const dropped = res.records.filter((r) => r.result === 'Dropped').length;
    expect(dropped).toBeGreaterThan(0);
    expect(streamJson(aws.server, STREAMS.quarantine).map((e) => e.code)).toEqual(Array(dropped).fill('DELIVERY_FAILED'));
    const m = transform.runtime.metrics.snapshot();
    expect(m.recordsIn).toBe(m.appOut + m.dropped + m.quarantined);
    expect(m.quarantined).toBe(dropped);
  });

  it('does not fail the invocation when security events cannot be recorded: Firehose would write its records as they came once its retries ran out', async () => {
    const transform = await openHandler('firehose-transform', { ...aws.env, LOGVEIL_DELIVERY_MAX_ATTEMPTS: '2' });
    aws.server.fail({ target: 'PutRecordBatch', kind: 'access-denied', times: Infinity, stream: STREAMS.security });
    const problems = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    let res: FirehoseTransformResponse;
    try {
      res = await transform(firehoseEvent([gzipSync(JSON.stringify(cwPayload(['user maria.lopez@corp-mail.net']))), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3])]));
      expect(problems.mock.calls.map((c) => String(c[0]))).toEqual([
        expect.stringMatching(/^logveil: Firehose invocation test-invocation: \d+ security events not delivered to Firehose stream logveil-security \(last error AccessDeniedException\); \d+ security events kept for the next invocation$/),
      ]);
    } finally {
      problems.mockRestore();
    }
    // The redacted record is Ok, the undecodable one quarantined (Dropped): none ProcessingFailed.
    expect(res.records.map((r) => r.result)).toEqual(['Ok', 'Dropped']);
    expect(JSON.stringify(res)).not.toContain('maria.lopez');
    expect(transform.runtime.metrics.snapshot()).toMatchObject({ recordsIn: 2, appOut: 1, quarantined: 1, deliveryUncertain: 1, invocationFailures: 0 });
    // The next invocation sends the events the first could not, first.
    aws.server.clearFaults();
    await transform(firehoseEvent([Buffer.from('plain line')]));
    const types = securityEvents(aws.server).map((e) => e.type);
    expect(types.filter((t) => t === 'findings')).toHaveLength(1);
    expect(types.filter((t) => t === 'quarantine')).toHaveLength(1);
    expect(transform.runtime.metrics.snapshot().deliveryUncertain).toBe(1);
  });

  describe('after an error it does not handle', () => {
    // Records that do not fit the response, and no stream to re-ingest them through: the ARN names none.
    const records = [
      ...Array.from({ length: 3 }, (_, r) => gzipSync(JSON.stringify(cwPayload(Array.from({ length: 10 }, (_, i) => `r${r} e${i} user maria.lopez@corp-mail.net ${'x'.repeat(60)}`), `r${r}`)))),
      Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3]),
    ];
    const failing = async (invocationId = 'test-invocation'): Promise<{ res: FirehoseTransformResponse; problems: string[]; metrics: LambdaMetrics }> => {
      const transform = await openHandler('firehose-transform', { ...aws.env, LOGVEIL_MAX_RESPONSE_BYTES: '2048', LOGVEIL_DELIVERY_MAX_ATTEMPTS: '2' });
      const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        const res = await transform({ ...firehoseEvent(records), invocationId, deliveryStreamArn: 'not-an-arn' });
        return { res, problems: spy.mock.calls.map((c) => String(c[0])), metrics: transform.runtime.metrics };
      } finally {
        spy.mockRestore();
      }
    };

    it('answers every record Dropped, counted, and still delivers the quarantine entries it made: none is written as it came', async () => {
      const { res, problems, metrics: m } = await failing();
      expect(problems).toEqual(['logveil: Firehose invocation test-invocation: processing failed (FIREHOSE_ARN_INVALID); its 4 records are dropped, not written as they came; quarantine entries delivered: 1 of 1']);
      expect(res.records.map((r) => [r.recordId, r.result])).toEqual(records.map((_, i) => [`rec-${i}`, 'Dropped']));
      // The undecodable record is quarantined, its entry delivered; the 30 redacted ones are dropped.
      expect(m.snapshot()).toMatchObject({ recordsIn: 31, appOut: 0, dropped: 30, quarantined: 1, invocationFailures: 1 });
      expect(Object.fromEntries(m.droppedByReason)).toEqual({ 'processing-failed': 30 });
      expect(aws.server.firehose.records(STREAMS.app)).toEqual([]);
      expect(aws.server.firehose.records(STREAMS.quarantine)).toHaveLength(1);
      expect(securityEvents(aws.server).filter((e) => e.type === 'quarantine')).toHaveLength(1);
      // The loss is in the chain too.
      expect(securityEvents(aws.server).filter((e) => e.type === 'records-dropped')).toEqual([
        expect.objectContaining({ reason: 'processing-failed', records: 4, code: 'FIREHOSE_ARN_INVALID', invocationId: 'test-invocation' }),
      ]);
    });

    it('names no invocation whose id holds what the policy would redact (a saved event holds anything)', async () => {
      const { problems } = await failing('inv alice.leak@example.com');
      expect(problems).toEqual([expect.stringMatching(/^logveil: Firehose invocation \?: processing failed \(FIREHOSE_ARN_INVALID\)/)]);
      const dropped = securityEvents(aws.server).filter((e) => e.type === 'records-dropped');
      expect(dropped.at(-1)).not.toHaveProperty('invocationId');
      expect(JSON.stringify(securityEvents(aws.server))).not.toContain('alice.leak');
    });

    it('counts a quarantined record as dropped when its entry cannot be delivered either', async () => {
      aws.server.fail({ target: 'PutRecordBatch', kind: 'access-denied', times: Infinity, stream: STREAMS.quarantine });
      const { res, problems, metrics: m } = await failing();
      expect(problems).toEqual([
        'logveil: Firehose invocation test-invocation: 1 quarantine entries not delivered to Firehose stream logveil-quarantine (last error AccessDeniedException)',
        'logveil: Firehose invocation test-invocation: processing failed (FIREHOSE_ARN_INVALID); its 4 records are dropped, not written as they came; quarantine entries delivered: 0 of 1',
      ]);
      expect(res.records.every((r) => r.result === 'Dropped')).toBe(true);
      expect(m.snapshot()).toMatchObject({ recordsIn: 31, appOut: 0, dropped: 31, quarantined: 0, invocationFailures: 1, deliveryUncertain: 1 });
      expect(Object.fromEntries(m.droppedByReason)).toEqual({ 'processing-failed': 30, 'quarantine-undelivered': 1 });
      expect(Object.fromEntries(m.quarantinedByCode)).toEqual({});
      expect(aws.server.firehose.records(STREAMS.quarantine)).toEqual([]);
    });
  });

  it('counts a quarantined record as dropped when its entry does not reach the quarantine stream', async () => {
    const transform = await openHandler('firehose-transform', { ...aws.env, LOGVEIL_DELIVERY_MAX_ATTEMPTS: '2' });
    aws.server.fail({ target: 'PutRecordBatch', kind: 'access-denied', times: Infinity, stream: STREAMS.quarantine });
    const problems = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    let res: FirehoseTransformResponse;
    try {
      res = await transform(firehoseEvent([gzipSync(JSON.stringify(cwPayload(['user maria.lopez@corp-mail.net']))), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3])]));
      expect(problems.mock.calls.map((c) => String(c[0]))).toEqual(['logveil: Firehose invocation test-invocation: 1 quarantine entries not delivered to Firehose stream logveil-quarantine (last error AccessDeniedException)']);
    } finally {
      problems.mockRestore();
    }
    expect(res.records.map((r) => r.result)).toEqual(['Ok', 'Dropped']);
    const m = transform.runtime.metrics;
    expect(m.snapshot()).toMatchObject({ recordsIn: 2, appOut: 1, dropped: 1, quarantined: 0, deliveryUncertain: 1 });
    expect(Object.fromEntries(m.droppedByReason)).toEqual({ 'quarantine-undelivered': 1 });
    expect(Object.fromEntries(m.quarantinedByCode)).toEqual({});
    // Its event says the entry never arrived: nothing holds the record to open.
    const events = securityEvents(aws.server).filter((e) => e.type === 'quarantine');
    expect(events.map((e) => [e.code, e.entry])).toEqual([['GZIP_INVALID', 'undelivered']]);
    expect(events[0]?.message).toMatch(/its encrypted entry did not reach the quarantine stream$/);
  });

  it('keeps at most 10,000 undelivered security events for later, counting the oldest it gives up', async () => {
    const transform = await openHandler('firehose-transform', aws.env);
    const rt = transform.runtime;
    const beat = (n: number) => ({ type: 'heartbeat' as const, ts: new Date(Date.UTC(2026, 0, 1)).toISOString(), intervalSeconds: 60, beat: n, uptimeSeconds: 60 * n });
    // The cold start delivered the chain's first entries with its key-created events: nothing waits.
    expect(rt.takePendingLines()).toEqual([]);
    // Queued out of order, as two failed deliveries would: the later one first.
    const older = rt.sealEvents(Array.from({ length: 6000 }, (_, i) => beat(i + 1)));
    const newer = rt.sealEvents(Array.from({ length: 6000 }, (_, i) => beat(6001 + i)));
    rt.requeuePendingLines(newer);
    rt.requeuePendingLines(older);
    expect(rt.metrics.snapshot().securityEventsLost).toBe(2000);
    const kept = rt.takePendingLines().map((l) => JSON.parse(l) as { seq: number; event: { beat: number } });
    expect(kept).toHaveLength(MAX_PENDING_EVENTS);
    // In chain order; the newest were given up, so that the chain's start stays linked.
    expect(kept.every((e, i) => i === 0 || e.seq === (kept[i - 1] as { seq: number }).seq + 1)).toBe(true);
    expect([kept[0], kept.at(-1)].map((e) => e?.event.beat)).toEqual([1, 10000]);
  });

  it.each(['disabled', 'access-denied'] as const)('drops every record, counted, when KMS is %s: none is written as it came', async (kind) => {
    aws.server.fail({ target: 'GenerateDataKey', kind, times: Infinity });
    const transform = await openHandler('firehose-transform', aws.env);
    const problems = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    let res: FirehoseTransformResponse;
    try {
      res = await transform(firehoseEvent([gzipSync(JSON.stringify(cwPayload(['user maria.lopez@corp-mail.net']))), Buffer.from('b')]));
      expect(problems.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(/^logveil: Firehose invocation test-invocation: no data key \(KMS_[A-Z_]+\); its 2 records are dropped, not written as they came$/)]);
    } finally {
      problems.mockRestore();
    }
    expect(res.records).toEqual([
      { recordId: 'rec-0', result: 'Dropped' },
      { recordId: 'rec-1', result: 'Dropped' },
    ]);
    const m = transform.runtime.metrics;
    expect(m.snapshot()).toMatchObject({ recordsIn: 2, appOut: 0, dropped: 2, quarantined: 0, invocationFailures: 0 });
    expect(Object.fromEntries(m.droppedByReason)).toEqual({ 'key-unavailable': 2 });
    expect(aws.server.firehose.records(STREAMS.app)).toEqual([]);
    // The security stream needs no data key: the loss is recorded there.
    expect(securityEvents(aws.server).filter((e) => e.type === 'records-dropped')).toEqual([
      expect.objectContaining({ reason: 'key-unavailable', records: 2, code: expect.stringMatching(/^KMS_[A-Z_]+$/), invocationId: 'test-invocation' }),
    ]);
  });

  it('signs no checkpoint in an invocation without a data key: KMS may be what fails, and its retries would add to those of the key', async () => {
    aws.server.kms.createKey('ECC_NIST_P256', 'alias/logveil-ledger-signing');
    aws.server.fail({ target: 'GenerateDataKey', kind: 'disabled', times: Infinity });
    const transform = await openHandler('firehose-transform', { ...aws.env, LOGVEIL_LEDGER_SIGNING_KEY_ID: 'alias/logveil-ledger-signing', LOGVEIL_CHECKPOINT_INTERVAL_SECONDS: '0' });
    const signsBefore = aws.server.count('.Sign');
    const problems = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      await transform(firehoseEvent([gzipSync(JSON.stringify(cwPayload(['user maria.lopez@corp-mail.net'])))]));
    } finally {
      problems.mockRestore();
    }
    expect(securityEvents(aws.server).filter((e) => e.type === 'records-dropped')).toHaveLength(1);
    expect(aws.server.count('.Sign')).toBe(signsBefore);
  });
});

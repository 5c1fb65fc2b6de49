import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CloudWatchPayload } from '../../../src/codecs/cloudwatch.js';
import { builtinPatternsDir } from '../../../src/config/config.js';
import { CompiledPolicy } from '../../../src/detect/compile.js';
import { loadPolicy } from '../../../src/detect/load.js';
import { scanText } from '../../../src/detect/scan.js';
import { eventFieldFindings, payloadFieldFindings, singleEventPayload, type EventFields } from '../../../src/lambda/envelope.js';
import { sensitiveValue } from '../../helpers/values.js';

const policy = new CompiledPolicy(loadPolicy([builtinPatternsDir()]));

/** What scanning each field alone finds, in the shape eventFieldFindings answers. */
function oneByOne(events: readonly EventFields[]): Map<number, Array<{ field: string; detectors: string[] }>> {
  const out = new Map<number, Array<{ field: string; detectors: string[] }>>();
  events.forEach((e, i) => {
    // An id as a payload's field is read alone (what it encodes decoded too); a timestamp, a number, by the detectors.
    const id = e.id ? (payloadFieldFindings(policy, { ...PAYLOAD, owner: e.id })[0]?.detectors ?? []) : [];
    const timestamp = typeof e.timestamp === 'number' ? [...new Set(scanText(policy, JSON.stringify(e.timestamp)).map((m) => m.detector.spec.id))] : [];
    const fields = [
      { field: 'id', detectors: id },
      { field: 'timestamp', detectors: timestamp },
    ].filter((f) => f.detectors.length > 0);
    if (fields.length > 0) out.set(i, fields);
  });
  return out;
}

const PAYLOAD: CloudWatchPayload = { messageType: 'DATA_MESSAGE', owner: '', logGroup: '', logStream: '', subscriptionFilters: [], logEvents: [], invalidEvents: [] };

const CLOUDWATCH_ID = '36587329403740847934593283917384575823905347386441728000';

describe('eventFieldFindings', () => {
  it('finds nothing in the ids and timestamps CloudWatch Logs writes', () => {
    const events = Array.from({ length: 500 }, (_, i) => ({ id: `${CLOUDWATCH_ID.slice(0, -3)}${String(i).padStart(3, '0')}`, timestamp: 1_700_000_000_000 + i * 7919 }));
    expect(eventFieldFindings(policy, events)).toEqual(new Map());
  });

  it('agrees with scanning each value alone, for every detector test case as an id', () => {
    const cases = policy.detectors.flatMap((d) => [...d.spec.tests.match, ...d.spec.tests.nomatch]).map((t) => (typeof t === 'string' ? t : t.text));
    const events: EventFields[] = cases.map((id, i) => ({ id, timestamp: i % 3 === 0 ? 4539148803436467 : 1_700_000_000_000 + i }));
    const found = eventFieldFindings(policy, events);
    expect(found.size).toBeGreaterThan(policy.detectors.length / 2);
    expect(found).toEqual(oneByOne(events));
  });

  it('agrees with scanning each value alone, for generated values next to clean ones', () => {
    const id = fc.oneof(sensitiveValue, fc.constant(CLOUDWATCH_ID), fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('4.111111111111111E15', 'n=-4111111111111111'));
    const timestamp = fc.oneof(
      fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.constantFrom(-4111111111111111, -5555555555554444, 4.111111111111111e21),
    );
    fc.assert(
      fc.property(fc.array(fc.record({ id, timestamp }, { requiredKeys: [] }), { maxLength: 12 }), (events) => {
        expect(eventFieldFindings(policy, events)).toEqual(oneByOne(events));
      }),
      { numRuns: 300 },
    );
  });
});

describe('payloadFieldFindings', () => {
  it('names the fields and the detectors, not the values', () => {
    const payload: CloudWatchPayload = {
      messageType: 'DATA_MESSAGE',
      owner: '111122223333',
      logGroup: '/aws/lambda/orders',
      logStream: 'alice@example.com',
      subscriptionFilters: [],
      logEvents: [],
      invalidEvents: [],
    };
    expect(payloadFieldFindings(policy, payload)).toEqual([{ field: 'logStream', detectors: ['email'] }]);
    expect(payloadFieldFindings(policy, { ...payload, logStream: '2026/11/28/[$LATEST]0123456789abcdef' })).toEqual([]);
    // A key rule's value in JSON or a Python dict a field holds.
    expect(payloadFieldFindings(policy, { ...payload, logStream: "s {'Cookie': 'sid=envCookie12345'}" })).toEqual([{ field: 'logStream', detectors: ['key:cookie'] }]);
    const ids = ['{"token":"idTok12345678"}', "{'token': 'idTok12345678'}"];
    expect(eventFieldFindings(policy, ids.map((id) => ({ id, timestamp: 1 })))).toEqual(
      new Map([
        [0, [{ field: 'id', detectors: ['key:token'] }]],
        [1, [{ field: 'id', detectors: ['key:token'] }]],
      ]),
    );
    // What a field encodes, read decoded: base64 (in a path, wrapped in gzip, URL-safe), hex.
    const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64');
    for (const logStream of [`app/${b64('user=alice@example.com')}`, `data=${b64(gzipSync('user=alice@example.com'))}`, Buffer.from('user=alice@example.com').toString('hex')]) {
      expect(payloadFieldFindings(policy, { ...payload, logStream })).toEqual([{ field: 'logStream', detectors: ['email'] }]);
    }
    expect(payloadFieldFindings(policy, { ...payload, logStream: `app/${b64('a plain stream name of text')}` })).toEqual([]);
    expect(eventFieldFindings(policy, [{ id: b64('user=alice@example.com'), timestamp: 1 }, { id: CLOUDWATCH_ID, timestamp: 2 }])).toEqual(new Map([[0, [{ field: 'id', detectors: ['email'] }]]]));
    // Encodings nested deeper than are read: the field cannot be read whole.
    let deep = 'user=alice@example.com';
    for (let i = 0; i < 10; i++) deep = b64(`x ${deep}`);
    expect(payloadFieldFindings(policy, { ...payload, logStream: 's', logGroup: deep })).toEqual([{ field: 'logGroup', detectors: ['encoded:RECORD_TOO_DEEP'] }]);
    expect(JSON.parse(singleEventPayload(payload, { id: 'e1', timestamp: 1, message: 'm' }))).toEqual({
      messageType: 'DATA_MESSAGE',
      owner: '111122223333',
      logGroup: '/aws/lambda/orders',
      logStream: 'alice@example.com',
      subscriptionFilters: [],
      logEvents: [{ id: 'e1', timestamp: 1, message: 'm' }],
    });
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CloudWatchPayload } from '../../../src/codecs/cloudwatch.js';
import { builtinPatternsDir } from '../../../src/config/config.js';
import { CompiledPolicy } from '../../../src/detect/compile.js';
import { loadPolicy } from '../../../src/detect/load.js';
import { scanText } from '../../../src/detect/scan.js';
import { embeddedValues } from '../../../src/act/embedded.js';
import { eventFieldFindings, payloadFieldFindings, singleEventPayload, type EventFields } from '../../../src/lambda/envelope.js';
import { sensitiveValue } from '../../helpers/values.js';

const policy = new CompiledPolicy(loadPolicy([builtinPatternsDir()]));

/** What scanning each field alone finds, in the shape eventFieldFindings answers. */
function oneByOne(events: readonly EventFields[]): Map<number, Array<{ field: string; detectors: string[] }>> {
  const out = new Map<number, Array<{ field: string; detectors: string[] }>>();
  events.forEach((e, i) => {
    const fields = [
      ['id', e.id],
      ['timestamp', typeof e.timestamp === 'number' ? JSON.stringify(e.timestamp) : undefined],
    ]
      .map(([field, text]) => ({
        field: field as string,
        detectors: [...new Set(text ? [...scanText(policy, text).map((m) => m.detector.spec.id), ...embeddedValues(text, policy.keyRules).map((v) => `key:${v.pattern}`)] : [])],
      }))
      .filter((f) => f.detectors.length > 0);
    if (fields.length > 0) out.set(i, fields);
  });
  return out;
}

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

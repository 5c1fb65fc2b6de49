import { describe, expect, it } from 'vitest';
import { allEnvelopeLines, envelopeLine } from '../../../src/codecs/log-events.js';
import type { CloudWatchPayload } from '../../../src/codecs/cloudwatch.js';

const payload: CloudWatchPayload = { messageType: 'DATA_MESSAGE', owner: '111122223333', logGroup: '/aws/lambda/orders', logStream: 's1', subscriptionFilters: ['f'], logEvents: [], invalidEvents: [] };
const event = { id: 'e1', timestamp: 1_700_000_000_000, message: 'x' };

describe('allEnvelopeLines', () => {
  it('knows the event lines a transform writes, with or without an owner, and nothing else', () => {
    const line = envelopeLine(payload, event, 'login [[EMAIL:tk1.a.b]]');
    const withoutOwner = envelopeLine({ ...payload, owner: '' }, event, 'plain');
    expect(allEnvelopeLines(Buffer.from(`${line}\n${withoutOwner}\n`))).toBe(true);
    expect(allEnvelopeLines(Buffer.from(line))).toBe(true);
    for (const text of [
      `${line}\nplain text\n`,
      '',
      '{"id":"e1","timestamp":1,"logGroup":"g","logStream":"s","message":"m","extra":1}',
      '{"id":"e1","timestamp":"1","logGroup":"g","logStream":"s","message":"m"}',
      '{"id":"e1","logGroup":"g","timestamp":1,"logStream":"s","message":"m"}',
      '{"id":"e1","timestamp":1,"logGroup":"g","logStream":"s","message":"m"',
    ]) expect(allEnvelopeLines(Buffer.from(text)), text).toBe(false);
  });
});

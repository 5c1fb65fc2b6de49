import { beforeAll, describe, expect, it } from 'vitest';
import { redactedValues, redactRecord } from '../../../src/act/redact.js';
import { ActionPolicy } from '../../../src/act/actions.js';
import type { RedactedBy } from '../../../src/act/edits.js';
import { LogveilError } from '../../../src/errors.js';
import type { JsonValue, LogRecord } from '../../../src/record.js';
import { Outcome, processBatch, type BatchContext, type BatchResult } from '../../../src/pipeline/batch.js';
import { frameValues } from '../../../src/pipeline/frame-values.js';
import { batchContext, builtinPolicy } from '../../helpers/engine.js';

const policy = builtinPolicy();
const PW = 'Hunter2-Prod-Pw';
const SCOPE_SECRET = 'ScopeSecretZz9';

/** An OTLP resource's frame line, as serve/otlp.ts cuts it: the resource and a scope, their items left out. */
const FRAME = `{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}},{"key":"db.password","value":{"stringValue":"${PW}"}}]},"scopeLogs":[{"scope":{"name":"lib","attributes":[{"key":"api_secret","value":{"stringValue":"${SCOPE_SECRET}"}}]},"logRecords":[]}]}]}`;
const item = (body: string, extra = ''): string => `{"scope":0,"logRecord":{"timeUnixNano":"1","body":{"stringValue":"${body}"}${extra}}}`;
const CLEAN_FRAME = '{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}}]},"scopeLogs":[{"scope":{"name":"lib"},"logRecords":[]}]}]}';

let ctx: BatchContext;
beforeAll(async () => {
  ctx = await batchContext(policy);
});

function run(lines: readonly string[], c: BatchContext, fastPath = true): BatchResult {
  const task = { seq: 0, file: '/v1/logs', firstLine: 1, firstOffset: 0, data: Buffer.from(lines.map((l) => `${l}\n`).join('')) };
  return processBatch(task, { ...c, fastPath });
}
const record = (body: JsonValue): LogRecord => ({ body, structured: true, attributes: {}, resource: {}, source: { file: 't', line: 1, offset: 0 } });
const text = (r: BatchResult): string[] => Buffer.from(r.output).toString('utf8').split('\n').slice(0, -1);

describe("a run's frame: the values its resource and scopes have redacted, for its log records and spans", () => {
  it('redacts in a log record a value a key rule took in its resource, and one taken in its scope, on both paths alike', () => {
    const lines = [FRAME, item(`connecting with ${PW}`), item(`scope said ${SCOPE_SECRET}`), item('nothing here')];
    const [quick, slow] = [true, false].map((fastPath) => run(lines, { ...ctx, frame: FRAME }, fastPath)) as [BatchResult, BatchResult];
    expect(text(quick)).toEqual(text(slow));
    expect(text(quick)).toEqual([FRAME.replace(PW, '[[PASSWORD]]').replace(SCOPE_SECRET, '[[SECRET]]'), item('connecting with [[PASSWORD]]'), item('scope said [[SECRET]]'), item('nothing here')]);
    // Every line a record, counted once: the frame is read again, not written again.
    expect([...quick.outcomes]).toEqual([Outcome.Redacted, Outcome.Redacted, Outcome.Redacted, Outcome.Unchanged]);
    // The line that repeats nothing keeps the fast path.
    expect(quick.fastPathLines).toBe(1);
  });

  it('redacts the repeats in a batch of the run that does not hold the frame (another worker reads it anew)', () => {
    const lines = [item(`connecting with ${PW}`), item(`retry ${PW}`, ',"attributes":[{"key":"peer","value":{"stringValue":"db1"}}]')];
    expect(text(run(lines, ctx))).toEqual(lines);
    const out = run(lines, { ...ctx, frame: FRAME });
    expect(text(out)).toEqual([item('connecting with [[PASSWORD]]'), item('retry [[PASSWORD]]', ',"attributes":[{"key":"peer","value":{"stringValue":"db1"}}]')]);
    // Named by what took it in the frame, at the item's field; never the value.
    const events = JSON.stringify(out.events);
    expect(events).toContain('key:*password');
    expect(events).toContain('$.logRecord.body.stringValue');
    expect(events).not.toContain(PW);
  });

  it('finds a repeat percent-encoded, and in base64, where the line as written does not hold it', () => {
    const pw = 'Pw!Sec7ret#99';
    const frame = FRAME.replace(PW, pw);
    const encoded = Buffer.from(`login with ${pw} ok`).toString('base64');
    const lines = [item(`GET /login?p=${encodeURIComponent(pw)}`), item(`payload ${encoded}`)];
    const out = text(run(lines, { ...ctx, frame }));
    expect(out[0]).toBe(item('GET /login?p=[[PASSWORD]]'));
    expect(out[1]).not.toBe(lines[1]);
    expect(Buffer.from((/payload (\S+)"/.exec(out[1] as string)?.[1] ?? ''), 'base64').toString()).toBe('login with [[PASSWORD]] ok');
  });

  it('leaves every line of a frame the prefilter passes on the fast path, reading nothing for it', () => {
    expect(frameValues(CLEAN_FRAME, ctx)).toBeUndefined();
    const lines = [item('connecting with db1'), item('retry')];
    expect(run(lines, { ...ctx, frame: CLEAN_FRAME }).fastPathLines).toBe(2);
  });

  it('reads the frame with no key: while the key provider is out, the repeat is still masked as the frame masks it', () => {
    const email = 'maria.lopez@corp-mail.net';
    const frame = FRAME.replace('checkout', `owner ${email}`);
    const out = run([frame, item(`connecting with ${PW}`)], { ...ctx, tokenKey: new LogveilError('KEY_UNAVAILABLE', 'no data key'), frame });
    // The frame needs a token for its address: quarantined; its values are known all the same.
    expect([...out.outcomes]).toEqual([Outcome.Quarantined, Outcome.Redacted]);
    expect(text(out)).toEqual([item('connecting with [[PASSWORD]]')]);
  });

  it('gives the values read before a frame nests too deep, and names none: the frame is quarantined on its own, its repeats redacted', () => {
    const deep = `{"resourceLogs":[{"resource":{"attributes":[{"key":"db.password","value":{"stringValue":"${PW}"}}]},"x":${'['.repeat(80)}${']'.repeat(80)}}]}`;
    expect([...(frameValues(deep, ctx)?.keys() ?? [])]).toContain(PW);
    const out = run([deep, item('fine'), item(`connecting with ${PW}`)], { ...ctx, frame: deep });
    expect([...out.outcomes]).toEqual([Outcome.Quarantined, Outcome.Unchanged, Outcome.Redacted]);
    expect(text(out)).toEqual([item('fine'), item('connecting with [[PASSWORD]]')]);
    expect(JSON.stringify(out.events)).not.toContain(PW);
  });

  it('gives no values for a frame that is no JSON', () => {
    expect(frameValues(`{"resourceLogs":[{"resource":{"attributes":[{"key":"db.password","value":{"stringValue":"${PW}"}}]}`, ctx)).toBeUndefined();
  });

  it('finds a repeat of a value holding a backslash as a JSON string writes it, on the fast path', () => {
    // The value CORP\Zq9pW2xK77aa, as a JSON string writes it.
    const pw = 'CORP\\\\Zq9pW2xK77aa';
    const frame = FRAME.replace(PW, pw);
    const out = run([item(`a ${pw} b`)], { ...ctx, frame });
    expect(text(out)).toEqual([item('a [[PASSWORD]] b')]);
  });

  it("keeps a record's own values as its own: a value it redacted itself is redacted as it redacted it", () => {
    const carried = new Map<string, RedactedBy>([[PW, { id: 'key:*_secret', category: 'credential', severity: 'high', label: 'SECRET', action: { type: 'mask' }, count: 0 }]]);
    const out = redactRecord(record({ password: PW, msg: `with ${PW}` }), { policy, actions: new ActionPolicy(), maxDepth: 64, keys: { tokenKey: () => ctx.tokenKey as never, hashKey: () => ctx.hashKey as never }, carried });
    expect(out.kind === 'keep' && out.body).toEqual({ password: '[[PASSWORD]]', msg: 'with [[PASSWORD]]' });
  });

  it('reads the values of a record without a key, each with what took it', () => {
    const keys = { tokenKey: () => { throw new Error('no key'); }, hashKey: () => { throw new Error('no key'); } };
    const values = redactedValues(record({ password: PW, to: 'maria.lopez@corp-mail.net' }), { policy, actions: new ActionPolicy(), maxDepth: 64, keys });
    expect([...values.keys()]).toEqual(expect.arrayContaining([PW, 'maria.lopez@corp-mail.net']));
    expect(values.get(PW)?.id).toBe('key:password');
  });
});

import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ActionPolicy } from '../../../src/act/actions.js';
import type { CompiledDetector, CompiledPolicy } from '../../../src/detect/compile.js';
import { lineEnds } from '../../../src/detect/line-filter.js';
import { execAll } from '../../../src/detect/regex-matches.js';
import { phone } from '../../../src/detect/validators/phone.js';
import { Outcome, processBatch, type BatchContext } from '../../../src/pipeline/batch.js';
import { outputRoom, SharedArena } from '../../../src/pipeline/arena.js';
import { prepareLines, slowLines } from '../../../src/pipeline/prepare.js';
import { lineDetectors } from '../../../src/pipeline/raw-line.js';
import { builtinPolicy, LIMITS } from '../../helpers/engine.js';
import { localKeys } from '../../helpers/keys.js';

const AWS = 'AKIAXZMS6C25A3DKBT7H';
const GITHUB = 'ghp_StMLwdNs1n15nzh8OXwIBky7svR3q6PgOt3W';

/**
 * The output with its tokens cut out: a token's base64 is random under a fresh key, and one of
 * thousands spells `AKIA` now and then.
 */
const outsideTokens = (output: Uint8Array): string => Buffer.from(output).toString().replace(/\[\[[A-Z][A-Z0-9_]*(?::[^\]]*)?\]\]/g, '[[]]');

const LINES = [
  `{"msg":"assumed role deploy-bot with access key ${AWS}","user":"u-1","n":12}`,
  `{"msg":"mirror sync using ${GITHUB} for acme/cache","again":"${GITHUB}","to":"ops@example.com"}`,
  `{"a":{"b":["call +1 415 555 0132 or mail jane.doe@example.org","${AWS}"]},"ip":"10.12.13.14"}`,
  '{"msg":"nothing to see here","level":"info"}',
  // Read as text, and a line with an escape: the structured path works these out alone.
  `deploy with ${AWS} done`,
  `{"msg":"line one\\nkey ${AWS}"}`,
  `{"msg":"sent Authorization: Bearer dRSpSrDLUb-GjgBHOgJ1KxHRkOgfC5shlI6OSxfUjfZ"}\r`,
  // A literal in a key (its value is read with the key), one in a line that is not ASCII, and a
  // Kelvin sign, which RE2's (?i) reads as k.
  `{"authorization":"Bearer dRSpSrDLUb-GjgBHOgJ1KxHRkOgfC5shlI6OSxfUjfZ","to":"ops@example.com"}`,
  `{"msg":"clé ${GITHUB} für café","user":"u-2"}`,
  `{"msg":"api_to\u212Aen=Zk3xQ9vLm2Pq8RtY6wNb4HcJ","ip":"10.1.2.3"}`,
];

function batchOf(lines: readonly string[]): { data: Buffer; ends: Int32Array } {
  const data = Buffer.from(lines.join('\n') + '\n');
  return { data, ends: lineEnds(data) };
}

describe('prepareLines', () => {
  let policy: CompiledPolicy;
  let ctx: BatchContext;

  beforeAll(async () => {
    policy = builtinPolicy();
    const { keys } = await localKeys();
    const tokenKey = await keys.current();
    ctx = { policy, actions: new ActionPolicy(), format: 'auto', limits: LIMITS, tokenKey, hashKey: await keys.hashKey(), quarantineKey: tokenKey };
  });

  it('gives each value of a JSON line every detector that can match it, and the detectors own matches', () => {
    const { data, ends } = batchOf(LINES);
    const hits = new Map<number, number[]>();
    slowLines(data, ends, ctx, hits);
    const prepared = prepareLines(data, ends, hits, policy, 'auto');
    expect([...prepared.detectors.keys()].sort()).toEqual([0, 1, 2, 6, 7, 8, 9]);
    const filter = policy.lineFilter;
    if (!filter) throw new Error('the built-in policy has a line filter');
    let searched = 0;
    for (const [i, answer] of prepared.detectors) {
      const line = LINES[i]?.replace(/\r$/, '') as string;
      // The line alone, each hit detector located on it by its raw-line form: every detector
      // found there in a value is given to that value here too.
      const alone = lineDetectors(Buffer.from(line), filter, policy.detectors.length, true, hits.get(i));
      expect(answer.plain).toBe(alone?.plain);
      for (const [value, ds] of alone?.byValue ?? []) {
        const found = ds.filter((d) => execAll(policy.detectors[d] as CompiledDetector, value).length > 0);
        expect(answer.of(value)).toEqual(expect.arrayContaining(found));
      }
      for (const [value, ds] of answer.byValue ?? []) {
        expect(ds.every((d) => hits.get(i)?.includes(d))).toBe(true);
        for (const d of ds) {
          const detector = policy.detectors[d];
          if (!detector) throw new Error(`no detector ${d}`);
          const known = prepared.known.get(value)?.get(d);
          expect(known).toEqual(execAll(detector, value));
          searched += 1;
        }
      }
    }
    // The AWS key, the GitHub token (two detectors, once for both places), the phone, the e-mails, the IP, the bearer token.
    expect(searched).toBeGreaterThanOrEqual(8);
    expect(prepared.known.get(GITHUB)?.size).toBeGreaterThanOrEqual(2);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('asks a costly validator about the matches of the batch before any line is scanned, once each', () => {
    const local = builtinPolicy();
    const asked: string[] = [];
    const validate = phone.validate.bind(phone);
    vi.spyOn(phone, 'validate').mockImplementation((value, params) => {
      asked.push(value);
      return validate(value, params);
    });
    const lines = ['{"msg":"call +1 415 555 0132 now"}', '{"msg":"nothing"}', '{"to":"+44 20 7946 0958","cc":"+1 415 555 0132"}'];
    const { data, ends } = batchOf(lines);
    const hits = new Map<number, number[]>();
    slowLines(data, ends, { ...ctx, policy: local }, hits);
    prepareLines(data, ends, hits, local, 'auto');
    expect(new Set(asked)).toEqual(new Set(['+1 415 555 0132', '+44 20 7946 0958']));
    const before = asked.length;
    const r = processBatch({ seq: 0, file: 'p.log', firstLine: 1, firstOffset: 0, data }, { ...ctx, policy: local });
    // The answers were kept: the scans ask nothing more.
    expect(asked.length).toBe(before);
    expect([...r.outcomes]).toEqual([Outcome.Redacted, Outcome.Unchanged, Outcome.Redacted]);
    expect(Buffer.from(r.output).toString()).not.toContain('7946');
  });

  it('quarantines the line whose costly validator throws, once its scan asks again', () => {
    const local = builtinPolicy();
    const validate = phone.validate.bind(phone);
    vi.spyOn(phone, 'validate').mockImplementation((value, params) => {
      if (value.includes('0199')) throw new Error('validator failed');
      return validate(value, params);
    });
    const lines = ['{"msg":"call +1 415 555 0199 now"}', '{"msg":"call +1 415 555 0132 now"}'];
    const r = processBatch({ seq: 0, file: 'p.log', firstLine: 1, firstOffset: 0, data: batchOf(lines).data }, { ...ctx, policy: local });
    expect([...r.outcomes]).toEqual([Outcome.Quarantined, Outcome.Redacted]);
    expect(Buffer.from(r.output).toString()).not.toContain('555 0132');
  });

  /** What the batch's preparation holds for `lines`, and the batch run with the fast path and without. */
  function preparedAndRun(lines: readonly string[]) {
    const { data, ends } = batchOf(lines);
    const hits = new Map<number, number[]>();
    slowLines(data, ends, ctx, hits);
    const prepared = prepareLines(data, ends, hits, policy, 'auto');
    const task = { seq: 0, file: 'p.log', firstLine: 1, firstOffset: 0, data };
    return { prepared, fast: processBatch(task, ctx), slow: processBatch(task, { ...ctx, fastPath: false }) };
  }

  it('leaves the fast path and the structured path agreeing', () => {
    const { data } = batchOf(LINES);
    const task = { seq: 0, file: 'p.log', firstLine: 1, firstOffset: 0, data };
    const fast = processBatch(task, ctx);
    const slow = processBatch(task, { ...ctx, fastPath: false });
    expect(Buffer.from(fast.output).toString()).toBe(Buffer.from(slow.output).toString());
    expect(fast.events.map(({ ts: _ts, ...e }) => e)).toEqual(slow.events.map(({ ts: _ts, ...e }) => e));
    expect(Buffer.from(fast.output).toString()).not.toContain(AWS);
    expect(Buffer.from(fast.output).toString()).not.toContain(GITHUB);
  });

  it('does not search ahead the values of a line that holds very many, and redacts them as the structured path does', () => {
    const many = JSON.stringify(Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, `user${i}@example.com`])));
    const { prepared, fast, slow } = preparedAndRun([many, LINES[0] as string]);
    // Both lines have their detectors worked out; only the small one has its matches held.
    expect([...prepared.detectors.keys()].sort()).toEqual([0, 1]);
    expect(prepared.known.has('user7@example.com')).toBe(false);
    expect(prepared.known.has(`assumed role deploy-bot with access key ${AWS}`)).toBe(true);
    expect(Buffer.from(fast.output).toString()).toBe(Buffer.from(slow.output).toString());
    expect(fast.findings['email']).toBe(5000);
    expect(outsideTokens(fast.output)).not.toMatch(/user\d+@example\.com|AKIA/);
  });

  it('does not search ahead a value longer than 64 KiB, and redacts it as the structured path does', () => {
    let long = '';
    for (let i = 0; long.length <= 64 * 1024; i++) long += `user${i}@example.com `;
    const { prepared, fast, slow } = preparedAndRun([JSON.stringify({ msg: long, ip: '10.12.13.14' }), LINES[0] as string]);
    expect([...prepared.detectors.keys()].sort()).toEqual([0, 1]);
    expect(prepared.known.has(long)).toBe(false);
    // The line's other values, and the other line's, are searched ahead as before.
    expect(prepared.known.has('10.12.13.14')).toBe(true);
    expect(prepared.known.has(`assumed role deploy-bot with access key ${AWS}`)).toBe(true);
    expect(Buffer.from(fast.output).toString()).toBe(Buffer.from(slow.output).toString());
    expect(fast.findings['email']).toBeGreaterThan(3000);
    expect(outsideTokens(fast.output)).not.toMatch(/user\d+@example\.com|AKIA|10\.12\.13\.14/);
  });

  it('writes the output into the room it is given where it fits: the same bytes as without', () => {
    const { data } = batchOf(LINES);
    const task = { seq: 0, file: 'p.log', firstLine: 1, firstOffset: 0, data };
    const plain = processBatch(task, ctx);
    const room = new SharedArena(1 << 20).alloc(outputRoom(data.length)) as Uint8Array;
    const roomy = processBatch(task, ctx, room);
    expect(roomy.output.buffer).toBe(room.buffer);
    expect(roomy.output.byteOffset).toBe(room.byteOffset);
    expect(Buffer.from(roomy.output).equals(Buffer.from(plain.output))).toBe(true);
    // Too little room: a buffer of its own.
    const tight = processBatch(task, ctx, new Uint8Array(new SharedArrayBuffer(64)));
    expect(tight.output.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    expect(Buffer.from(tight.output).equals(Buffer.from(plain.output))).toBe(true);
    // Nothing changed: the output is the input itself, room or not.
    const clean = batchOf(['{"msg":"nothing to see here"}', 'plain text']);
    const same = processBatch({ ...task, data: clean.data }, ctx, room);
    expect(same.output.buffer).toBe(clean.data.buffer);
  });

  it('leaves out a line it cannot prepare; the structured path then quarantines that line alone', () => {
    const local = builtinPolicy();
    const prefilter = local.lineFilter?.prefilter;
    if (!prefilter) throw new Error('the built-in policy has a line filter');
    const locate = prefilter.locate.bind(prefilter);
    prefilter.locate = (i, input, out) => {
      if (input.includes('poison')) throw new Error('locate failed');
      locate(i, input, out);
    };
    // E-mail has no required literal: it is located with the prefilter's regex.
    const lines = [`{"msg":"poison jane.doe@example.org"}`, `{"msg":"mail jane.doe@example.org"}`];
    const { data, ends } = batchOf(lines);
    const hits = new Map<number, number[]>();
    slowLines(data, ends, { ...ctx, policy: local }, hits);
    expect([...prepareLines(data, ends, hits, local, 'auto').detectors.keys()]).toEqual([1]);
    const r = processBatch({ seq: 0, file: 'p.log', firstLine: 1, firstOffset: 0, data }, { ...ctx, policy: local });
    expect([...r.outcomes]).toEqual([Outcome.Quarantined, Outcome.Redacted]);
    expect(Buffer.from(r.output).toString()).not.toContain('jane.doe@example.org');
  });
});

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { lineEnds } from '../../../src/detect/line-filter.js';
import { batchCounts, processBatch, type BatchContext, type BatchResult, type BatchTask } from '../../../src/pipeline/batch.js';
import { halves } from '../../../src/pipeline/batcher.js';
import { runtimeLine } from '../../../src/pipeline/log-prefix.js';
import { openParts, partEdits } from '../../../src/pipeline/part-lines.js';
import { batchText } from '../../../src/pipeline/wrapped-lines.js';
import { recordPart } from '../../../src/pipeline/log-records.js';
import { ActionPolicy } from '../../../src/act/actions.js';
import type { Finding } from '../../../src/record.js';
import { batchContext, builtinPolicy, outputLines, runBatches, runEngine } from '../../helpers/engine.js';

const policy = builtinPolicy();

type Kind = 'docker' | 'cri' | 'fluent-bit' | 'fluentd';
type Stream = 'stdout' | 'stderr';

/** One part of a line as `kind` writes it: `last`, the line's last part. */
function part(kind: Kind, text: string, last: boolean, stream: Stream = 'stdout'): string {
  switch (kind) {
    case 'docker':
      return JSON.stringify({ log: last ? `${text}\n` : text, stream, time: '2024-05-01T10:00:00.123456789Z' });
    case 'cri':
      return `2024-05-01T10:00:00.123456789Z ${stream} ${last ? 'F' : 'P'} ${text}`;
    case 'fluent-bit':
      return JSON.stringify({ time: '2024-05-01T10:00:00.123456789Z', stream, _p: last ? 'F' : 'P', log: text, kubernetes: { pod_name: 'api-1' } });
    case 'fluentd':
      return JSON.stringify({ stream, logtag: last ? 'F' : 'P', log: text });
  }
}

/** The text a line of `kind` holds (the inverse of {@link part}). */
function textOfPart(kind: Kind, line: string): string {
  if (kind === 'cri') return line.replace(/^\S+ \S+ [PF] /, '');
  return ((JSON.parse(line) as { log: string }).log).replace(/\n$/, '');
}

/** `line` cut at `cuts` (ascending UTF-16 offsets), each part as `kind` writes it. */
function cutLine(kind: Kind, line: string, cuts: readonly number[], stream: Stream = 'stdout'): string[] {
  const at = [0, ...cuts, line.length];
  return at.slice(0, -1).map((s, k) => part(kind, line.slice(s, at[k + 1]), k === at.length - 2, stream));
}

/** Tokens differ from run to run: each written as its label alone. */
const tokensOut = (text: string): string => text.replace(/\[\[([A-Z0-9_]+):[^\]]*\]\]/g, '[[$1]]');

const STRIPE = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
const GITHUB = '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';
const JWT = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';
/** What a line cut in parts is made of: secrets of several formats, values under keys, plain words. */
const VOCABULARY = [
  `token=${STRIPE}`,
  `Authorization: Bearer ${JWT}`,
  `"github_token":"${GITHUB}"`,
  '"password":"hunter2-Very-Secret"',
  'password=Kx9mQ2vLpR7tZ4wN',
  'mail ann.smith@example.com',
  'ssn 078-05-1120',
  'GET /api/v1/orders?page=2 200',
  'user_id=1234 latency_ms=87',
  'the quick brown fox jumps over the lazy dog',
  '{"level":"info","msg":"request served"}',
];
const SECRETS = [STRIPE, JWT, GITHUB, 'hunter2-Very-Secret', 'Kx9mQ2vLpR7tZ4wN', 'ann.smith@example.com', '078-05-1120'];

describe('the parts of a line a container runtime cut', () => {
  let ctx: BatchContext;
  beforeAll(async () => {
    ctx = await batchContext(policy);
  });

  const run = (lines: readonly string[], size: number, split = false, bytes = 1 << 20): Promise<BatchResult[]> => runBatches(ctx, lines, size, split, bytes);

  it('tells the parts of each kind, and what no part is', () => {
    expect(recordPart(Buffer.from(part('docker', 'a', false)))).toMatchObject({ stream: 1, open: true });
    expect(recordPart(Buffer.from(part('docker', 'a', true, 'stderr')))).toMatchObject({ stream: 2, open: false });
    expect(recordPart(Buffer.from(part('fluent-bit', 'a', false)))).toMatchObject({ stream: 1, open: true });
    expect(recordPart(Buffer.from(part('fluent-bit', 'a', true)))).toMatchObject({ stream: 1, open: false });
    expect(recordPart(Buffer.from(part('fluentd', 'a', false, 'stderr')))).toMatchObject({ stream: 2, open: true });
    // A line end ends the line, whatever a tag says; a key that only ends in `_p` is no tag.
    expect(recordPart(Buffer.from('{"log":"a\\n","stream":"stdout","_p":"P"}'))?.open).toBe(false);
    expect(recordPart(Buffer.from('{"log":"a","stream":"stdout","x_p":"F"}'))?.open).toBe(true);
    expect(recordPart(Buffer.from('{"log":"a","stream":"stdout","x_p":"F","_p":"F"}'))?.open).toBe(false);
    // A line end written as \r\n or \u000a ends the line.
    expect(recordPart(Buffer.from('{"log":"a\\r\\n","stream":"stdout"}'))?.open).toBe(false);
    expect(recordPart(Buffer.from('{"log":"a\\u000a","stream":"stdout"}'))?.open).toBe(false);
    // A log of several lines is a part as any other (a progress bar's \r), its source the container its record names.
    expect(recordPart(Buffer.from('{"log":"10%\\r20%\\r30","stream":"stdout","kubernetes":{"pod_name":"api-1","container_name":"app"}}'))).toMatchObject({ stream: 1, open: true, source: '"pod_name":"api-1;"container_name":"app;' });
    expect(recordPart(Buffer.from('{"log":"a\\nb\\n","stream":"stdout"}'))?.open).toBe(false);
    // No stream, no log string, a nested stream: no part.
    for (const l of ['{"log":"a"}', '{"msg":"a","stream":"stdout"}', '{"log":5,"stream":"stdout"}', 'text "stream":"stdout"']) expect(recordPart(Buffer.from(l))).toBeUndefined();
    const cri = (l: string): ReturnType<typeof runtimeLine> => runtimeLine(Buffer.from(l), 0, Buffer.byteLength(l));
    expect(cri('2024-05-01T10:00:00.1Z stdout P abc')).toEqual({ stream: 1, open: true, content: 32 });
    expect(cri('2024-05-01T10:00:00.123456789+02:00 stderr F x')).toEqual({ stream: 2, open: false, content: 45 });
    expect(cri('2024-05-01T10:00:00Z stdout F')).toEqual({ stream: 1, open: false, content: 29 });
    for (const l of ['2024-05-01T10:00:00Z stdout X text', '2024-05-01T10:00:00Z stdin P text', 'x 2024-05-01T10:00:00Z stdout P t', '2024-05-01T10:00:00Z stdout Ptext', '2024-05-01T10:00:00Z stdout P:x text']) expect(cri(l)).toBeUndefined();
  });

  it('replaces a value across a cut where it starts, whole, and cuts the rest of it out of the parts after', async () => {
    for (const kind of ['docker', 'cri', 'fluent-bit', 'fluentd'] as const) {
      const line = `${'x'.repeat(100)} key=${STRIPE} done`;
      const cut = line.indexOf(STRIPE) + 12;
      const out = outputLines(await run(['before', ...cutLine(kind, line, [cut]), 'after'], 100));
      expect(out[0]).toBe('before');
      expect(out[3]).toBe('after');
      const [a, b] = [textOfPart(kind, out[1] as string), textOfPart(kind, out[2] as string)];
      expect(tokensOut(a)).toBe(`${'x'.repeat(100)} key=[[STRIPE_KEY]]`);
      expect(b).toBe(' done');
      // The token is made of the whole value.
      expect(a).not.toContain('sk_live');
      expect(out.join('\n')).not.toContain(STRIPE.slice(12));
    }
  });

  it('names the value in the part it starts in, and the rest in each part after, without a token', async () => {
    const line = `token ${JWT} end`;
    const cuts = [line.indexOf(JWT) + 40, line.indexOf(JWT) + 100];
    const [r] = await run(cutLine('docker', line, cuts), 100);
    const events = (r as BatchResult).events.filter((e) => e.type === 'findings') as unknown as Array<{ source: { line: number }; findings: Finding[] }>;
    expect(events.map((e) => e.source.line)).toEqual([1, 2, 3]);
    const [first, second, third] = events.map((e) => e.findings);
    expect(first).toMatchObject([{ detectorId: 'jwt', path: '$.log', start: 6, end: 46 }]);
    expect(first?.[0]?.kid).toBeDefined();
    expect(second).toMatchObject([{ detectorId: 'jwt', path: '$.log', start: 0, end: 60 }]);
    expect(second?.[0]?.kid).toBeUndefined();
    expect(third).toMatchObject([{ detectorId: 'jwt', start: 0, end: JWT.length - 100 }]);
    expect((r as BatchResult).findings).toEqual({ jwt: 3 });
  });

  it('reads a keyword in one part for a value in the next, and a key in one part for its value in the next', async () => {
    const ssn = 'ssn 078-05-1120 filed';
    const json = '{"user":"bob","password":"hunter2-Very-Secret"}';
    for (const [line, cut, secret] of [[ssn, 4, '078-05-1120'], [json, json.indexOf('hunter2'), 'hunter2-Very-Secret']] as const) {
      const out = outputLines(await run(cutLine('cri', line, [cut]), 10)).join('\n');
      expect(out).not.toContain(secret);
    }
  });

  it('joins the parts of a stream past the lines of the other between them', async () => {
    const line = `auth ${GITHUB} ok`;
    const cut = line.indexOf(GITHUB) + 10;
    for (const kind of ['docker', 'cri', 'fluent-bit'] as const) {
      const [a, b] = cutLine(kind, line, [cut]);
      const other = part(kind, 'interleaved line', true, 'stderr');
      const out = outputLines(await run([a as string, other, other, b as string], 100));
      expect(out.join('\n')).not.toContain(GITHUB.slice(10));
      expect(out[1]).toBe(other);
      // Too far apart (a record that names its container may be further), or of the other stream:
      // not joined (and so the value is not found).
      const gap = kind === 'fluent-bit' ? 64 : 8;
      const near = outputLines(await run([a as string, ...Array<string>(gap - 1).fill(other), b as string], 100));
      expect(near.join('\n')).not.toContain(GITHUB.slice(10));
      const far = outputLines(await run([a as string, ...Array<string>(gap).fill(other), b as string], 100));
      expect(far.join('\n')).toContain(GITHUB.slice(10));
      const crossed = outputLines(await run([a as string, cutLine(kind, line, [cut], 'stderr')[1] as string], 100));
      expect(crossed.join('\n')).toContain(GITHUB.slice(10));
    }
  });

  it("reads a part whose log holds line ends (a progress bar's \\r) whole, in Docker's records and Fluent Bit's", async () => {
    const pieces = [`progress 10%\rprogress 20%\r key=${STRIPE.slice(0, 12)}`, `${STRIPE.slice(12)} done\rmore`];
    for (const lines of [
      [JSON.stringify({ log: pieces[0], stream: 'stdout', time: 't' }), JSON.stringify({ log: `${pieces[1]}\n`, stream: 'stdout', time: 't' })],
      [JSON.stringify({ stream: 'stdout', _p: 'P', log: pieces[0] }), JSON.stringify({ stream: 'stdout', _p: 'F', log: pieces[1] })],
    ]) {
      const out = outputLines(await run(['x', ...lines, 'y'], 100));
      const logs = out.slice(1, 3).map((l) => (JSON.parse(l) as { log: string }).log);
      expect(tokensOut(logs.join(''))).toMatch(/^progress 10%\rprogress 20%\r key=\[\[STRIPE_KEY\]\] done\rmore\n?$/);
      expect(out.join('\n')).not.toContain(STRIPE.slice(12));
    }
  });

  it('joins the parts of the container each record names, where several containers write one stream', async () => {
    const pod = (name: string, p: 'P' | 'F', log: string): string => JSON.stringify({ stream: 'stdout', _p: p, log, kubernetes: { pod_name: name, container_name: 'app' } });
    const lines = [pod('a', 'P', `key=${STRIPE.slice(0, 12)}`), pod('b', 'P', `other ${GITHUB.slice(0, 10)}`), pod('a', 'F', `${STRIPE.slice(12)} done`), pod('b', 'F', `${GITHUB.slice(10)} x`)];
    const out = outputLines(await run(lines, 100)).join('\n');
    expect(out).not.toContain(STRIPE.slice(12));
    expect(out).not.toContain(GITHUB.slice(10));
    // With another container's run between, however the batcher cuts.
    const between = [lines[0] as string, ...Array.from({ length: 20 }, (_, k) => pod('b', 'F', `line ${k}`)), lines[2] as string];
    for (const size of [22, 23, 30, 100]) expect(outputLines(await run(['x', ...between, 'y'], size)).join('\n')).not.toContain(STRIPE.slice(12));
    expect(openParts(Buffer.from(`${between.slice(0, 15).join('\n')}\n`))).toBe(15);
    // The batcher counts them apart too: pod b's first part has its next one in the batch, pod a's has not.
    expect(openParts(Buffer.from(`${lines.slice(0, 2).join('\n')}\n`))).toBe(2);
    expect(openParts(Buffer.from(`${[lines[0], lines[1], lines[3]].join('\n')}\n`))).toBe(3);
  });

  it('drops every part of a line that a drop-record action takes, not only those holding the value', async () => {
    const dropping = { ...ctx, actions: new ActionPolicy({ byDetector: { 'stripe-live-key': { type: 'drop-record' } } }) };
    const line = `head text key=${STRIPE} tail text`;
    const at = line.indexOf(STRIPE);
    const parts = cutLine('docker', line, [5, at + 8, at + 20, at + STRIPE.length + 6]);
    const data = Buffer.from(['before', ...parts, 'after'].map((l) => `${l}\n`).join(''));
    const r = processBatch({ seq: 0, file: 'p.log', firstLine: 1, firstOffset: 0, data }, dropping);
    expect(Buffer.from(r.output).toString('utf8')).toBe('before\nafter\n');
    expect(batchCounts(r)).toMatchObject({ records: 7, appOut: 2, dropped: 5, quarantined: 0 });
  });

  it('leaves parts that hold nothing as written, and joins no line that is whole', async () => {
    const lines = cutLine('docker', 'nothing to see here, just words '.repeat(20), [100, 400]);
    const [r] = await run(lines, 100);
    expect(Buffer.from((r as BatchResult).output).toString('utf8')).toBe(lines.map((l) => `${l}\n`).join(''));
    expect((r as BatchResult).fastPathLines).toBe(3);
    // Whole lines (a line end, tag F, no stream) next to each other are not read as one.
    const data = Buffer.from([part('docker', `key=${STRIPE.slice(0, 12)}`, true), part('docker', STRIPE.slice(12), true), part('fluent-bit', `key=${STRIPE.slice(0, 12)}`, true), part('fluent-bit', STRIPE.slice(12), true), '{"log":"sk_live_4eC3"}', `{"log":"${STRIPE.slice(12)}"}`].join('\n'));
    const ends = lineEnds(data);
    expect(partEdits(data, ends, batchText(data, ends), policy, new ActionPolicy())).toBeUndefined();
  });

  it('keeps the parts of a line in one batch wherever the batcher would cut, and in halves', async () => {
    const line = `${'a'.repeat(3000)} ${STRIPE} ${'b'.repeat(3000)} ${JWT}`;
    const parts = cutLine('docker', line, [3005, 3020, 6040, 6100]);
    const lines = ['one', ...parts, 'two'];
    // Batches of at least the line's five parts.
    for (const size of [5, 6, 7, 9]) {
      for (const split of [false, true]) {
        const out = outputLines(await run(lines, size, split)).join('\n');
        for (const s of [STRIPE.slice(4), JWT.slice(30)]) expect(out).not.toContain(s.slice(-12));
      }
    }
    // By bytes too: batches of at least the parts, cut anywhere.
    for (const bytes of [6600, 7000, 8000, 9000]) expect(outputLines(await run(lines, 100, false, bytes)).join('\n')).not.toContain(STRIPE.slice(-12));
    // A batch of fewer lines than the parts: read in batches, a value across the cut between them is not joined.
    expect(outputLines(await run(lines, 2)).join('\n')).toContain(STRIPE.slice(-12));
    // Halves cut before a line's first part, or else after its last; a batch that is one line's parts is not cut.
    const task = (ls: readonly string[]): BatchTask => ({ seq: 0, file: 'p.log', firstLine: 1, firstOffset: 0, data: Buffer.from(ls.map((l) => `${l}\n`).join('')) });
    const [p1, p2, p3] = cutLine('cri', 'a'.repeat(30), [10, 20]) as [string, string, string];
    const linesOf = (t: BatchTask): number => Buffer.from(t.data).toString('utf8').split('\n').length - 1;
    expect(halves(task(['one', 'two', 'three', p1, p2, p3, 'x', 'y']))?.map(linesOf)).toEqual([3, 5]);
    expect(halves(task([p1, p2, p3, 'x']))?.map(linesOf)).toEqual([3, 1]);
    expect(halves(task([p1, p2, p3]))).toBeUndefined();
    // The batcher's count: the open parts at the end of a batch's lines.
    const data = (ls: readonly string[]): Buffer => Buffer.from(ls.map((l) => `${l}\n`).join(''));
    expect(openParts(data(lines.slice(0, 3)))).toBe(2);
    expect(openParts(data(lines))).toBe(0);
    expect(openParts(data(['x', 'y']))).toBe(0);
  });

  it('reads the parts joined as the whole line is read, however it is cut, batched and interleaved', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...VOCABULARY), { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
        fc.constantFrom<Kind>('docker', 'cri', 'fluent-bit', 'fluentd'),
        fc.integer({ min: 0, max: 6 }),
        fc.boolean(),
        fc.boolean(),
        async (words, picks, kind, more, split, interleave) => {
          const line = words.join(' ');
          const cuts = [...new Set(picks.map((p) => 1 + (p % (line.length - 1))))].sort((a, b) => a - b);
          const parts = cutLine(kind, line, cuts);
          const other = part(kind, 'the other stream', true, 'stderr');
          const lines = ['start', ...parts.flatMap((p, k) => (interleave && k % 2 === 1 ? [other, p] : [p])), 'end'];
          // A batch holds the line's parts and the lines between them, at least (see openParts).
          const results = await run(lines, lines.length - 2 + more, split);
          const out = outputLines(results);
          const joined = out.filter((l, k) => lines[k] !== other && l !== 'start' && l !== 'end').map((l) => textOfPart(kind, l)).join('');
          const whole = outputLines(await run([part(kind, line, true)], 1)).map((l) => textOfPart(kind, l)).join('');
          expect(tokensOut(joined)).toBe(tokensOut(whole));
          for (const s of SECRETS) if (!whole.includes(s)) expect(out.join('\n')).not.toContain(s);
          const counts = results.map(batchCounts).reduce((a, c) => ({ records: a.records + c.records, out: a.out + c.appOut + c.dropped + c.quarantined }), { records: 0, out: 0 });
          expect(counts).toEqual({ records: lines.length, out: lines.length });
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('redacts a value across the cut of a line through the engine, with workers', async () => {
    const line = `${'x'.repeat(20000)} key=${STRIPE} done`;
    const cut = line.indexOf(STRIPE) + 9;
    const input = ['first', ...cutLine('docker', line, [16384, cut]), 'last'].map((l) => `${l}\n`).join('');
    for (const workers of [0, 2]) {
      const { output, summary } = await runEngine(input, { workers, batch: { maxBatchBytes: 8192 } });
      expect(output).not.toContain(STRIPE.slice(9));
      expect(summary).toMatchObject({ recordsIn: 5, appOut: 5, quarantined: 0 });
    }
  });
});

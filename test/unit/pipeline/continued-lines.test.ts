import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { batchCounts, type BatchContext, type BatchResult, type BatchTask } from '../../../src/pipeline/batch.js';
import { halves } from '../../../src/pipeline/batcher.js';
import { openContinuation } from '../../../src/pipeline/continued-lines.js';
import { batchContext, builtinPolicy, outputLines, runBatches, runEngine } from '../../helpers/engine.js';

const policy = builtinPolicy();

const PW = 'Zx9#Vb2!Lq8Pw4Rt';
/** Commands whose password a detector finds by the command, written on one line. */
const COMMANDS: ReadonlyArray<readonly string[]> = [
  ['curl -sS https://api.example.com/v1/items', `--user admin:${PW}`, '-o out.json'],
  ['mysql -h db.internal -u root', `-p${PW} orders`],
  ['redis-cli -h cache.internal', `-a ${PW} ping`],
  ['docker login registry.example.com', `-u admin -p ${PW}`],
  ['java -jar app.jar', '--server.port=8080', `--spring.datasource.password=${PW}`],
];

/** `parts` written over lines as a shell script is, each but the last ending in a backslash; `indent` before each continuing line. */
const continued = (parts: readonly string[], indent = '  ', prefix = ''): string[] => parts.map((p, k) => `${prefix}${k === 0 ? '' : indent}${p}${k < parts.length - 1 ? ' \\' : ''}`);

const tokensOut = (text: string): string => text.replace(/\[\[([A-Z0-9_]+):[^\]]*\]\]/g, '[[$1]]');

describe('a command continued over lines', () => {
  let ctx: BatchContext;
  beforeAll(async () => {
    ctx = await batchContext(policy);
  });

  const run = (lines: readonly string[], size: number, split = false): Promise<BatchResult[]> => runBatches(ctx, lines, size, split);

  it('is read joined, as the command on one line is: its password redacted in the line it stands on', async () => {
    for (const parts of COMMANDS) {
      const one = tokensOut(outputLines(await run([parts.join(' ')], 10))[0] as string);
      expect(one).not.toContain(PW);
      for (const [indent, prefix, end] of [['  ', '', ''], ['\t', '2024-05-01T10:00:00.1234567Z ', ''], ['    ', '', '\r']] as const) {
        const lines = continued(parts, indent, prefix).map((l) => l + end);
        const out = outputLines(await run(['echo start', ...lines, 'echo done'], 20)).map(tokensOut);
        expect(out.join('\n'), parts[0]).not.toContain(PW);
        // Each line is as written but the password, replaced as it is on one line.
        expect(out.slice(1, -1)).toEqual(lines.map((l) => l.replace(PW, one.includes('[[PASSWORD]]') ? '[[PASSWORD]]' : (/\[\[[A-Z_]+\]\]/.exec(one)?.[0] as string))));
      }
    }
  });

  it('joins only lines that follow one another, after a backslash that a blank precedes', async () => {
    const lines = ['curl -sS https://api.example.com \\', 'echo between', `  --user admin:${PW}`, `mysql -u root\\`, `  -p${PW}`];
    expect(outputLines(await run(lines, 10)).join('\n')).toContain(PW);
    expect(outputLines(await run(lines, 10)).filter((l) => l.includes(PW))).toHaveLength(2);
  });

  it('keeps a run in one batch wherever the batcher would cut, and in halves', async () => {
    const lines = ['one', ...continued(['curl -sS https://api.example.com/v1/items', '-H "Accept: application/json"', '-X POST', `--user admin:${PW}`, '-o out.json']), 'two'];
    for (const size of [5, 6, 7]) {
      for (const split of [false, true]) expect(outputLines(await run(lines, size, split)).join('\n'), `${size} ${split}`).not.toContain(PW);
    }
    const data = (ls: readonly string[]): Buffer => Buffer.from(ls.map((l) => `${l}\n`).join(''));
    expect(openContinuation(data(lines.slice(0, 3)))).toBe(2);
    expect(openContinuation(data(lines.slice(0, 6)))).toBe(0);
    expect(openContinuation(data(['x \\\r', 'y \\\r']))).toBe(2);
    expect(openContinuation(data(['x\\']))).toBe(0);
    const task = (ls: readonly string[]): BatchTask => ({ seq: 0, file: 'c.log', firstLine: 1, firstOffset: 0, data: data(ls) });
    const linesOf = (t: BatchTask): number => Buffer.from(t.data).toString('utf8').split('\n').length - 1;
    expect(halves(task(['a', 'b', 'c \\', 'd \\', 'e', 'f']))?.map(linesOf)).toEqual([2, 4]);
  });

  it('redacts as the joined command reads, however the run is batched, with other lines around (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...COMMANDS), fc.array(fc.constantFrom('echo ok', 'GET /health 200', 'x \\'), { maxLength: 4 }), fc.integer({ min: 0, max: 6 }), fc.boolean(), async (parts, around, more, split) => {
        const lines = [...around, ...continued(parts), 'end'];
        const results = await run(lines, parts.length + around.length + more, split);
        const out = outputLines(results);
        expect(out.join('\n')).not.toContain(PW);
        expect(out).toHaveLength(lines.length);
        const counts = results.map(batchCounts).reduce((a, c) => ({ records: a.records + c.records, out: a.out + c.appOut + c.dropped + c.quarantined }), { records: 0, out: 0 });
        expect(counts).toEqual({ records: lines.length, out: lines.length });
      }),
      { numRuns: 300 },
    );
  });

  it('redacts through the engine, with workers', async () => {
    const input = ['start', ...continued(COMMANDS[0] as string[]), 'end'].map((l) => `${l}\n`).join('');
    for (const workers of [0, 2]) {
      const { output, summary } = await runEngine(input, { workers });
      expect(output).not.toContain(PW);
      expect(summary).toMatchObject({ recordsIn: 5, appOut: 5, quarantined: 0 });
    }
  });
});

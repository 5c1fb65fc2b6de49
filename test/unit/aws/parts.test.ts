import { describe, expect, it } from 'vitest';
import { splitLine } from '../../../src/sinks/firehose/pack.js';
import { joinParts, linePart } from '../../../src/sinks/firehose/parts.js';

const at = (lines: string[]) => lines.map((text, i) => ({ text, where: i }));

describe('joinParts', () => {
  const a = `{"a":"${'x'.repeat(900)}"}`;
  const b = `{"b":"${'y é '.repeat(300)}"}`;
  const pa = splitLine(a, 256);
  const pb = splitLine(b, 256);

  it('joins interleaved parts read in any order, once each, where the first part was read', () => {
    const read = ['one', pb[2], pa[1], pb[0], 'two', pa[0], pa[1], ...pb.slice(1), ...pa.slice(2), 'three'] as string[];
    const { lines, incomplete } = joinParts(at(read));
    expect(lines.map((l) => [l.text, l.where])).toEqual([
      ['one', 0],
      [b, 1],
      [a, 2],
      ['two', 4],
      ['three', read.length - 1],
    ]);
    expect(incomplete).toEqual([]);
  });

  it('reports a split line that misses a part, leaving its parts out or, when asked, where they were', () => {
    const read = ['one', ...pa.slice(1), 'two'];
    const dropped = joinParts(at(read));
    expect(dropped.lines.map((l) => l.text)).toEqual(['one', 'two']);
    expect(dropped.incomplete).toEqual([{ id: linePart(pa[1] as string)?.logveilPart.id, count: pa.length, parts: pa.length - 1, where: pa.slice(1).map((_p, i) => i + 1) }]);
    // A part read twice counts once.
    expect(joinParts(at([...read, pa[1] as string])).incomplete[0]?.parts).toBe(pa.length - 1);
    expect(joinParts(at(read), true).lines.map((l) => l.text)).toEqual(read);
  });

  it('reads as a part only a line in the part shape', () => {
    for (const text of ['{"logveilPart":{"id":"x","index":2,"count":2},"text":""}', '{"logveilPart":1}', '{"logveilPart":{"id":"x","index":0,"count":1}}', 'x{"logveilPart":']) expect(linePart(text)).toBeUndefined();
    expect(joinParts(at(['{"logveilPart":{"id":"x","index":0,"count":1},"text":"whole"}'])).lines.map((l) => l.text)).toEqual(['whole']);
  });
});

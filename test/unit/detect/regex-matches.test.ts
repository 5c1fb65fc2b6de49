import { describe, expect, it } from 'vitest';
import { indentedBlockEnd } from '../../../src/detect/regex-matches.js';

/** The block `indentedBlockEnd` keeps of `text`, from the line after the first `key:` line to the end. */
function blockAfter(text: string, key: string): string {
  const start = text.indexOf('\n', text.indexOf(key)) + 1;
  return text.slice(start, indentedBlockEnd(text, start, text.length));
}

describe('indentedBlockEnd', () => {
  it('ends a block at the first line indented no deeper than its key, a list dash counted as indentation', () => {
    const text = 'items:\n  - kind: Secret\n    stringData:\n      a: one\n      b: two\n    type: Opaque\n  - kind: ConfigMap\n';
    expect(blockAfter(text, 'stringData:')).toBe('      a: one\n      b: two\n');
    const dashed = '  - stringData:\n      a: one\n  - kind: ConfigMap\n';
    expect(blockAfter(dashed, 'stringData:')).toBe('      a: one\n');
  });

  it('keeps blank and comment lines inside the block, and a block scalar indented deeper', () => {
    const text = '    stringData:\n      cfg: |\n        user: admin\n\n# note\n        password: x\n      b: two\n    type: Opaque\n';
    expect(blockAfter(text, 'stringData:')).toBe('      cfg: |\n        user: admin\n\n# note\n        password: x\n      b: two\n');
  });

  it('keeps a block at the margin whole, and a block that starts on its key line', () => {
    const text = 'stringData:\n  a: one\n  b: two\n';
    expect(blockAfter(text, 'stringData:')).toBe('  a: one\n  b: two\n');
    const flow = '    stringData: {pw: x, user: y}\n    type: Opaque\n';
    const start = flow.indexOf('{');
    expect(indentedBlockEnd(flow, start, flow.indexOf('}') + 1)).toBe(flow.indexOf('}') + 1);
  });
});

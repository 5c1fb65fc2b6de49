import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findTokens } from '../../../src/crypto/token.js';
import { standalone } from '../../../src/detect/repeats.js';

describe('standalone', () => {
  it('finds a value where it stands alone, outside tokens, the longest first at a place', () => {
    const text = 'pw hunter22, xhunter22 hunter22_ [[PASSWORD:h1.hunter22]] hunter22.x hunter222 é hunter22é';
    const found = standalone(text, ['hunter22', 'hunter22.x', 'short'], findTokens(text));
    expect(found.map(({ at, value }) => [text.slice(at - 1, at + value.length + 1), value])).toEqual([
      [' hunter22,', 'hunter22'],
      [' hunter22.x ', 'hunter22.x'],
      [' hunter22.', 'hunter22'],
    ]);
  });

  it('gives the same places when the values are too many to search one by one (the text is walked once)', () => {
    const word = fc.constantFrom('ab12cd', 'ab12cd34', '10.0.0.15', 'x_y_z_1', '-dash-1', 'é1234567', ' ', '.', '_', 'q', '[[', ']]', '[[IPV4]]');
    fc.assert(
      fc.property(fc.array(word, { maxLength: 40 }), fc.subarray(['ab12cd', 'ab12cd34', '10.0.0.15', 'x_y_z_1', '-dash-1', 'é1234567']), (parts, values) => {
        const text = parts.join('');
        const tokens = findTokens(text);
        expect(standalone(text, values, tokens, 'walk')).toEqual(standalone(text, values, tokens, 'search'));
      }),
      { numRuns: 200 },
    );
  });
});

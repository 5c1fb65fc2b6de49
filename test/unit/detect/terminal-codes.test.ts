import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { builtinPatternsDir } from '../../../src/config/config.js';
import { CompiledPolicy } from '../../../src/detect/compile.js';
import { explainText } from '../../../src/detect/explain.js';
import { loadPolicy } from '../../../src/detect/load.js';
import { scanText } from '../../../src/detect/scan.js';
import { SequenceSpans, terminalCodesView, withoutTerminalCodes } from '../../../src/detect/terminal-codes.js';

const crossesSequence = (text: string, start: number, end: number): boolean => new SequenceSpans(text).crosses(start, end);
import { embeddedValues } from '../../../src/act/embedded.js';
import { KeyRules } from '../../../src/detect/key-rules.js';
import type { KeyRuleSpec } from '../../../src/detect/pack.js';

const builtin = new CompiledPolicy(loadPolicy([builtinPatternsDir()]));
const E = '\x1b';
const STRIPE = 'sk_live_51HxQkR2eZvKYlo2CnUq9aT3mXbWf7pLs8';

describe('terminalCodesView', () => {
  it('leaves out colours, other control sequences, hyperlinks and charset escapes; a lone ESC stays', () => {
    const text = `${E}[1;31mERR${E}[0m ${E}[K${E}(Bx ${E}]8;;https://a.example${E}\\link${E}]8;;${E}\\ ${E}`;
    expect(terminalCodesView(text)?.text).toBe(`ERR x link ${E}`);
    expect(terminalCodesView('no sequence')).toBeUndefined();
    expect(terminalCodesView(`lone ${E}`)).toBeUndefined();
  });

  it('leaves out a byte order mark at the start, and no other', () => {
    expect(terminalCodesView('\uFEFFDB_PASSWORD:')).toMatchObject({ text: 'DB_PASSWORD:', at: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13] });
    expect(terminalCodesView('a\uFEFFb')).toBeUndefined();
    expect(withoutTerminalCodes(Buffer.from('\uFEFFx'))?.toString()).toBe('x');
  });

  it('maps each character to where it stands, and a span to end after its last character (not after the reset that follows)', () => {
    const text = `a${E}[1mbc${E}[0m`;
    const view = terminalCodesView(text);
    expect(view?.text).toBe('abc');
    expect(view?.at).toEqual([0, 5, 6, text.length]);
    expect(view?.end).toEqual([0, 1, 6, 7]);
  });

  it('reads what a sequence glued to a value or put between a keyword and its value hid', () => {
    const found = (text: string): string[] => scanText(builtin, text).map((m) => text.slice(m.start, m.end));
    expect(found(`api_key=${E}[1m${STRIPE}${E}[0m`)).toEqual([STRIPE]);
    expect(found(`mail bob@${E}[36mexample.com${E}[0m`)).toEqual([`bob@${E}[36mexample.com`]);
    // A sequence's letter is no symbol of a password: nothing stands there without it.
    expect(found(`policy ${E}[33mpasswordPolicy=MinLength12${E}[0m`)).toEqual([]);
    expect(explainText(builtin, `api_key=${E}[1m${STRIPE}`).entries.find((x) => x.verdict === 'fired')).toMatchObject({ detectorId: 'stripe-live-key', detail: 'with its terminal sequences left out' });
  });

  it('agrees with a plain removal of the sequences, on any text with sequences put anywhere (property)', () => {
    const seq = fc.constantFrom(`${E}[0m`, `${E}[38;5;208m`, `${E}[2J`, `${E}(B`, `${E}7`, `${E}]0;title\u0007`);
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 6 }), seq), { maxLength: 12 }), (parts) => {
        const text = parts.join('');
        const plain = parts.filter((p) => !p.startsWith(E)).join('');
        const view = terminalCodesView(text);
        if (!view) {
          expect(plain).toBe(text);
          return;
        }
        expect(view.text).toBe(plain);
        for (let i = 0; i < view.text.length; i++) expect(text[view.at[i] as number]).toBe(view.text[i]);
        // A span of the view, mapped back, reads the same once its own sequences are left out.
        for (let s = 0; s <= view.text.length; s++) {
          for (let e = s; e <= view.text.length; e++) {
            const back = text.slice(view.at[s] as number, view.end?.[e] ?? (view.at[e] as number));
            expect(terminalCodesView(back)?.text ?? back).toBe(view.text.slice(s, e));
          }
        }
        expect(withoutTerminalCodes(Buffer.from(text))?.toString()).toBe(plain);
      }),
      { numRuns: 300 },
    );
  });

  it('reads statements and key rules inside a text without the sequences: a coloured column name, a coloured value in a list of bindings', () => {
    const rules = new KeyRules([{ keys: ['password', '*_token'], mode: 'redact', label: 'SECRET', category: 'credential', severity: 'high' } as KeyRuleSpec]);
    const taken = (text: string): string[] => embeddedValues(text, rules).map((v) => `${text.slice(v.start, v.end)}${v.value === undefined ? '' : ` (${v.value})`}`);
    expect(taken(`insert into users (email, ${E}[36mpassword${E}[0m) values ('a@b.com', 'dragonOrange445-')`)).toEqual(['dragonOrange445-']);
    expect(taken(`select * from users where api_token = ? ["${E}[33mufMppXxMKn4uoSMWEkR1fsxBE${E}[0m"]`)).toEqual(['ufMppXxMKn4uoSMWEkR1fsxBE']);
    // The value alone, the sequences around it left out of the span.
    expect(taken(`{"password": "${E}[1mS3cr3t!${E}[0m"}`)).toEqual(['S3cr3t!']);
    expect(taken(`{"password": "S3${E}[1mcr3t!"}`)).toEqual([`S3${E}[1mcr3t! (S3cr3t!)`]);
  });

  it('tells where a sequence lies inside a span, in part or whole', () => {
    const text = `x${E}[0my${E}`;
    expect(crossesSequence(text, 0, 2)).toBe(true);
    // A span that starts inside one (`0my`, a pattern's match after `ESC [`).
    expect(crossesSequence(text, 3, 6)).toBe(true);
    expect(crossesSequence(text, 5, 7)).toBe(false);
    // A hyperlink's address is text; a stray ESC's digit may start a match; an escape written out introduces one too.
    const link = `${E}]8;;mailto:bob@example.com${E}\\x`;
    expect(crossesSequence(link, link.indexOf('bob'), link.indexOf('.com') + 4)).toBe(false);
    expect(crossesSequence(`${E} 4111`, 2, 6)).toBe(false);
    expect(crossesSequence('\\u001b[0mbob', 8, 12)).toBe(true);
    expect(crossesSequence('\\u001b[0mbob', 9, 12)).toBe(false);
    expect(withoutTerminalCodes(Buffer.from('plain'))).toBeUndefined();
  });

  it('reads sequences as the ECMA-48 forms say, for bytes and for text alike (property, against a regular expression of them)', () => {
    const E_ = String.fromCharCode(27);
    const reference = new RegExp(`${E_}(?:\\[[0-?]*[ -/]*[@-~]|\\][ -~]{0,512}(?:\u0007|${E_}\\\\)|[ -/]*[0-~])`, 'g');
    const unit = fc.oneof(fc.constantFrom(E_, '[', ']', '\u0007', '\\', ';', '1', 'm', '(', ' ', 'B', '\u00e9', '\n', '\uFEFF'), fc.string({ maxLength: 3 }));
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 30 }), fc.integer({ min: 0, max: 600 }), (parts, long) => {
        const text = parts.join('') + (long % 7 === 0 ? `${E_}]${'x'.repeat(long)}\u0007` : '');
        // A byte order mark at the start goes too.
        const plain = text.replace(/^\uFEFF/, '').replace(reference, '');
        expect(terminalCodesView(text)?.text ?? text).toBe(plain);
        expect((withoutTerminalCodes(Buffer.from(text)) ?? Buffer.from(text)).toString()).toBe(plain);
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves no part of a sequence in a span: a match that starts inside one (`1mbob@...` after `ESC [`) is read without it', () => {
    const found = (text: string): string[] => scanText(builtin, text).map((m) => text.slice(m.start, m.end));
    expect(found(`${E}[1mbob@example.com${E}[0m`)).toEqual(['bob@example.com']);
    expect(found(`${E}[38;5;208mbob@example.com`)).toEqual(['bob@example.com']);
  });

  it('reads a value under its key without the sequences, and sequences a decoded escape spells', () => {
    const found = (text: string, keys: string[] = []): string[] => scanText(builtin, text, undefined, undefined, { keys }).map((m) => text.slice(m.start, m.end));
    expect(found(`5362${E}[1m74189`, ['ssn'])).toEqual([`5362${E}[1m74189`]);
    expect(found(`api_key=\\u001b[1m${STRIPE}\\u001b[0m`)).toEqual([STRIPE]);
  });
});

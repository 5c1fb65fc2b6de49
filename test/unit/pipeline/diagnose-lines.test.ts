import { describe, expect, it } from 'vitest';
import { diagnoseValues } from '../../../src/pipeline/diagnose-lines.js';
import { linesAfter } from '../../../src/pipeline/lookback.js';
import { builtinPolicy, runEngine } from '../../helpers/engine.js';
import { batchText, expectSameMarksAtEveryCut, lookbackMarks } from '../../helpers/line-marks.js';

const policy = builtinPolicy();

/** The values each marked line of `lines` (one batch) holds, as `line: value (pattern)`. */
const marked = (lines: readonly string[], before?: readonly string[]): string[] => lookbackMarks(lines, policy, diagnoseValues, before);

const after = (lines: readonly string[], before?: readonly string[]): readonly string[] | undefined => linesAfter(Buffer.from(batchText(lines)), before);

const TRACEBACK = [
  "2024-03-07 07:44:37.515 | ERROR    | auth.views:login:42 - An error has been caught in function 'login', process 'MainProcess' (1), thread 'MainThread' (140245):",
  'Traceback (most recent call last):',
  '  File "/app/auth/views.py", line 42, in login',
  '    user = authenticate(username, password, self.api_token, pin)',
  "           │            │         │         │    │          └ 4921",
  "           │            │         │         │    └ 'tok-Zq8vpL2mN0xRt5'",
  "           │            │         │         └ <User>",
  "           │            │         └ 'MaplePurple3638.'",
  "           │            └ 'wendy'",
  "           └ <function authenticate at 0x7f3c2a1b4d30>",
  'auth.errors.InvalidCredentials: bad password',
];

describe("values a Python traceback shows under its code's names", () => {
  it('takes each value under a name a key rule redacts, and no other', () => {
    expect(marked(TRACEBACK)).toEqual(['5: tok-Zq8vpL2mN0xRt5 -> tok-Zq8vpL2mN0xRt5 (*_token)', '7: MaplePurple3638. -> MaplePurple3638. (password)']);
    // A string with quotes and escapes, a bytes value, a value cut short.
    expect(marked(['    login(password)', `          └ "it's \\"s3cret\\""`])).toEqual([`1: it's \\"s3cret\\" -> it's "s3cret" (password)`]);
    expect(marked(['    login(password)', "          └ b'hunter2-s3cret'"])).toEqual(["1: hunter2-s3cret -> hunter2-s3cret (password)"]);
    expect(marked(['    login(password)', `          └ '${'x'.repeat(128)}...`])).toEqual([`1: ${'x'.repeat(128)} -> ${'x'.repeat(128)} (password)`]);
  });

  it("reads the name at the corner's column in code points, each part of a dotted name and a name before a call on its own", () => {
    expect(
      marked([
        '    return verify(password.encode("utf-8"), self.api_token.strip())',
        "                  │                         │    └ 'Tok-AB!xyzq '",
        "                  │                         └ <User>",
        "                  └ 'Pw-AA!xyzq'",
      ]),
    ).toEqual(["1: Tok-AB!xyzq  -> Tok-AB!xyzq  (*_token)", '3: Pw-AA!xyzq -> Pw-AA!xyzq (password)']);
    expect(marked(['    x = "🔑🔑"; token = api_key', "              │       └ <Key>", "              └ 'Key-U!xyzq'"])).toEqual(['2: Key-U!xyzq -> Key-U!xyzq (token)']);
    // A string cut short, quotes and backslashes in what is shown.
    expect(marked(['    login(password)', `          └ "Pw-W'x\\yy${'z'.repeat(120)}...`])).toEqual([`1: Pw-W'x\\yy${'z'.repeat(120)} -> Pw-W'x\\yy${'z'.repeat(120)} (password)`]);
  });

  it('takes nothing where the corner stands under no name, or the lines above it are no code', () => {
    // Under the middle of a name, or past the line's end.
    expect(marked(['    login(my_password)', '             └ \'hunter2-s3cret\''])).toEqual([]);
    expect(marked(['    f()', '                └ \'hunter2-s3cret\''])).toEqual([]);
    // An object, a list, a value with more after it.
    expect(marked(['    login(password)', '          └ <Secret at 0x7f>'])).toEqual([]);
    expect(marked(['    login(password)', "          └ ['a', 'b']"])).toEqual([]);
    expect(marked(['    login(password)', "          └ 'a' extra"])).toEqual([]);
    // No line above it; too many value lines between.
    expect(marked(["          └ 'hunter2-s3cret'"])).toEqual([]);
    expect(marked(['    login(password)', ...Array<string>(32).fill("          │ └ 'x'"), "          └ 'hunter2-s3cret'"])).toEqual([]);
  });

  it('redacts the values in a run, and leaves every other line as it was', async () => {
    const r = await runEngine(batchText(TRACEBACK));
    expect(r.summary).toMatchObject({ recordsIn: TRACEBACK.length, appOut: TRACEBACK.length, quarantined: 0 });
    expect(r.output).not.toContain('MaplePurple3638.');
    expect(r.output).not.toContain('tok-Zq8vpL2mN0xRt5');
    const out = r.output.split('\n');
    expect(out[7]).toMatch(/^ {11}│ {12}│ {9}└ '\[\[.+\]\]'$/);
    expect(out[8]).toBe(TRACEBACK[8]);
  });

  it("redacts the values in a JSON record's traceback (loguru's serialize), escaped or not", async () => {
    const record = (escape: boolean): string => {
      const line = JSON.stringify({ text: TRACEBACK.join('\n') + '\n', record: { level: { name: 'ERROR' }, exception: { type: 'InvalidCredentials' } } });
      return escape ? line.replace(/[│└]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`) : line;
    };
    const r = await runEngine(`${record(false)}\n${record(true)}\n`);
    expect(r.summary).toMatchObject({ recordsIn: 2, appOut: 2, quarantined: 0 });
    expect(r.output).not.toContain('MaplePurple3638.');
    expect(r.output).not.toContain('tok-Zq8vpL2mN0xRt5');
    const [first] = r.output.split('\n');
    expect(JSON.parse(first as string).text).toContain("│         └ '[[PASSWORD]]'");
  });

  it('marks the same lines whatever the batches are cut at, with the state the batcher carries', () => {
    const vocabulary = [
      '    user = authenticate(password, api_token)',
      '    f(password)',
      "           │            └ 'tok-Zq8vpL2mN0xRt5'",
      "           └ 'MaplePurple3638.'",
      "      └ 'MaplePurple3638.'",
      '           └ <function authenticate at 0x7f3c2a1b4d30>',
      'Traceback (most recent call last):',
      '',
    ];
    expectSameMarksAtEveryCut(vocabulary, 12, marked, after);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import type { BatchContext, BatchResult } from '../../src/pipeline/batch.js';
import { batchContext, builtinPolicy } from '../helpers/engine.js';
import { bothPaths } from '../helpers/fast-path.js';

const STRIPE = 'sk_live_51HxQkR2eZvKYlo2CnUq9aT3mXbWf7pLs8';

describe('the raw-line fast path gives the same result as the structured path on lines with terminal sequences', () => {
  let base: Omit<BatchContext, 'fastPath'>;
  beforeAll(async () => {
    base = await batchContext(builtinPolicy());
  });
  const both = (lines: string[]): BatchResult => bothPaths(base, lines);

  it('on lines with terminal sequences (colours): passed as written when nothing hides behind them, read without them when something does', () => {
    const E = '\x1b';
    const lines = [
      `${E}[32m2024-01-01 10:00:00${E}[0m | ${E}[1mINFO${E}[0m | cache warmed in 3 ms`,
      '{"level":"info","msg":"\\u001b[32mready\\u001b[0m on port 8080"}',
      `ERROR api_key=${E}[1msk_live_51HxQkR2eZvKYlo2CnUq9aT3mXbWf7pLs8${E}[0m`,
      `mail ${E}[4mbob@${E}[36mexample.com${E}[0m`,
      '{"msg":"key \\u001b[1msk_live_51HxQkR2eZvKYlo2CnUq9aT3mXbWf7pLs8\\u001b[0m"}',
      `policy ${E}[33mpasswordPolicy=MinLength12${E}[0m`,
      // What a detector's form widened for JSON fields finds, and its own pattern does not, in a line read as text.
      `${E}[2m03-17 16:13:38.859${E}[0m  2227  2227 ${E}[1mD${E}[0m TextView: visible is system.time.showampm`,
    ];
    const r = both(lines);
    expect(r.fastPathLines).toBe(3);
    const out = Buffer.from(r.output).toString().split('\n');
    expect(out.slice(0, 2)).toEqual(lines.slice(0, 2));
    expect(out[6]).toBe(lines[6]);
    // The value alone is replaced; the sequences around it stay.
    const token = (label: string): RegExp => new RegExp(`^\\[\\[${label}:[^\\]]+\\]\\]$`);
    expect(out[2]?.startsWith(`ERROR api_key=${E}[1m`) && out[2].endsWith(`${E}[0m`)).toBe(true);
    expect(out[2]?.slice(`ERROR api_key=${E}[1m`.length, -`${E}[0m`.length)).toMatch(token('STRIPE_KEY'));
    expect(out[3]?.startsWith(`mail ${E}[4m`) && out[3].endsWith(`${E}[0m`)).toBe(true);
    expect(out[3]?.slice(`mail ${E}[4m`.length, -`${E}[0m`.length)).toMatch(token('EMAIL'));
    expect(out[4]).toMatch(/^\{"msg":"key \\u001b\[1m\[\[STRIPE_KEY:[^\]]+\]\]\\u001b\[0m"\}$/);
    // A sequence's last letter made no symbol of a password: the line reads as written.
    expect(out[5]).toBe(lines[5]);
  });

  it('on sequences of every form: a hyperlink\'s address and a title read as text, a stray ESC, sequences written as escapes, coloured statements and numbers', () => {
    const E = '\x1b';
    const lines = [
      `${E}]8;;mailto:bob@example.com${E}\\contact${E}]8;;${E}\\`,
      `${E}]0;deploy ${STRIPE}\u0007 ok`,
      `card ${E} 4111111111111111 ok`,
      'mail \\u001b[0mbob@example.com sent',
      'password=Hunter2-Secret!9\\u001b[1;31m',
      // A container's record of a JSON line: the sequences written \\u001b there.
      JSON.stringify({ log: `${JSON.stringify({ msg: `insert into users (email, ${E}[36mpassword${E}[0m) values ('a@b.com','Pw-X9!kq')` })}\n`, stream: 'stdout' }),
      JSON.stringify({ log: `${JSON.stringify({ msg: `mail ${E}[0mbob@example.com sent` })}\n` }),
      `n=${E}[33m4.111111111111111e15${E}[39m`,
      "insert into users (email, passw\\u001b[1mord) values ('a@b.com','Pw-X9!kq')",
      // Sequences raw and written as escapes on one line.
      `${E}[32mINFO${E}[0m mail \\u001b[0mbob@example.com sent`,
      `${E}[32mINFO${E}[0m password=Hunter2-Secret!9\\u001b[1;31m`,
    ];
    const out = Buffer.from(both(lines).output).toString();
    const [mixedMail, mixedPassword] = out.split('\n').slice(9, 11);
    expect(mixedMail).toMatch(/ mail \\u001b\[0m\[\[EMAIL:[^\]]+\]\] sent$/);
    expect(mixedPassword).toMatch(/ password=\[\[PASSWORD:[^\]]+\]\]\\u001b\[1;31m$/);
    for (const secret of ['bob@example.com', STRIPE, '4111111111111111', '111111111111111e15', 'Hunter2-Secret!9', 'Pw-X9!kq']) expect(out).not.toContain(secret);
    // No sequence cut in two: each stays whole beside the token.
    for (const seq of [`${E}]8;;mailto:[[`, '\\u001b[0m[[EMAIL:', ']]\\u001b[1;31m', `${E}[33m*`, `${E} *`]) expect(out).toContain(seq);
  });
});

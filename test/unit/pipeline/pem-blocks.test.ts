import { describe, expect, it } from 'vitest';
import { lineEnds } from '../../../src/detect/line-filter.js';
import { bodyRun, indexOfMark, pemBodies, pemStateAfter, type PemState } from '../../../src/pipeline/pem-blocks.js';

const BODY = ['MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBAKtq2EhRIDzEIUVl', '9eXUyfyby4xhnoIate8tBz4SFQUkgpuS1LVJZksFxoTYUxw2gqs1VM9c+314uQra', 's5PG+9x2CkFcozk='];

const OPEN: PemState = { prefix: 0, afterFull: false };

/** The body flags of `lines` as one batch, and whether a block is open after it. */
function scan(lines: readonly string[], state?: PemState): { body: number[]; openAfter: boolean } | undefined {
  const data = Buffer.from(lines.join('\n') + '\n');
  const found = pemBodies(data, lineEnds(data), state);
  return found && { body: [...found.body], openAfter: found.after !== undefined };
}

describe('private keys over several lines', () => {
  it('marks the N lines a PuTTY key\'s Private-Lines: N line opens, across batches, and ends a body cut short', () => {
    const head = ['PuTTY-User-Key-File-3: ssh-rsa', 'Encryption: none', 'Public-Lines: 1', 'AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7', 'Private-Lines: 3'];
    const mac = 'Private-MAC: 9d419389abe3f5fbd24da39db5be7b0c3d41cacdef618701e13728aff1be4c74';
    expect(scan([...head, ...BODY, mac])).toEqual({ body: [0, 0, 0, 0, 0, 1, 1, 1, 0], openAfter: false });
    const state = pemStateAfter(Buffer.from([...head, BODY[0]].join('\n') + '\n'), undefined);
    expect(state).toEqual({ prefix: 0, afterFull: false, lines: 2 });
    expect(scan([BODY[1] as string, BODY[2] as string, mac], state)).toEqual({ body: [1, 1, 0], openAfter: false });
    // After a log prefix; cut short by a line that ends in no run.
    expect(scan(['app: Private-Lines: 4', `app: ${BODY[0]}`, 'app: key loaded.', `app: ${BODY[1]}`])).toEqual({ body: [0, 1, 0, 0], openAfter: false });
    expect(scan(['Private-Lines: 4 written', BODY[0] as string])).toEqual({ body: [0, 0], openAfter: false });
  });

  it('marks the body lines of a block, its short last line included, and nothing around it', () => {
    expect(scan(['start', '-----BEGIN PRIVATE KEY-----', ...BODY, '-----END PRIVATE KEY-----', 'after 9eXUyfyby4xhnoIate8tBz4SFQUk'])).toEqual({ body: [0, 0, 1, 1, 1, 0, 0], openAfter: false });
  });

  it('follows a block across batches, and reads body lines after a log prefix', () => {
    const prefix = 'Dec  1 10:00:02 host app[12]: ';
    expect(scan(['-----BEGIN RSA PRIVATE KEY-----', prefix + BODY[0]])).toEqual({ body: [0, 1], openAfter: true });
    expect(scan([prefix + BODY[1], prefix + BODY[2], prefix + '-----END RSA PRIVATE KEY-----', 'next'], OPEN)).toEqual({ body: [1, 1, 0, 0], openAfter: false });
  });

  it('carries a full body line across batches, so that a short last line starting the next one is body', () => {
    const first = Buffer.from(`-----BEGIN PRIVATE KEY-----\n${BODY[0]}\n`);
    const state = pemStateAfter(first, undefined);
    expect(state).toEqual({ prefix: 0, afterFull: true });
    // OpenSSH wraps at 70: its last line may be 2 characters long.
    expect(scan(['Zg', '-----END OPENSSH PRIVATE KEY-----'], state)).toEqual({ body: [1, 0], openAfter: false });
    // Without the full line before it, a short line is read back from the END line that follows it.
    expect(scan(['Zg', '-----END OPENSSH PRIVATE KEY-----'], OPEN)).toEqual({ body: [1, 0], openAfter: false });
  });

  it('marks the body lines before an END line whose BEGIN the data does not hold, back to the first line that is none', () => {
    const p = 'Dec  1 10:00:02 host app[12]: ';
    // A log that starts inside a key (rotated, or the rest of one an earlier invocation was given).
    expect(scan([BODY[0] as string, BODY[1] as string, BODY[2] as string, '-----END PRIVATE KEY-----', 'next'])).toEqual({ body: [1, 1, 1, 0, 0], openAfter: false });
    expect(scan(['GET /health 200', `${p}${BODY[1]}`, `${p}${BODY[2]}`, `${p}-----END RSA PRIVATE KEY-----`])).toEqual({ body: [0, 1, 1, 0], openAfter: false });
    // Above the short last line, only full ones; a block closed before stops the walk.
    expect(scan(['-----END PRIVATE KEY-----', 'user ok', 'ok', '-----END PRIVATE KEY-----'])).toEqual({ body: [0, 0, 1, 0], openAfter: false });
    // Not the END of a private key: nothing.
    expect(scan(['PRIVATE KEY rotated', BODY[0] as string, '-----END CERTIFICATE-----'])).toEqual({ body: [0, 0, 0], openAfter: false });
    // A whole key on one line (its breaks written out, or spaces) began on that line: nothing above it.
    const oneLine = `key=-----BEGIN PRIVATE KEY-----\\n${BODY.join('\\n')}\\n-----END PRIVATE KEY-----`;
    expect(scan(['GET /healthz 200 ok', oneLine])).toEqual({ body: [0, 0], openAfter: false });
    expect(scan(['x-amz-request-id: 2F5DCD0F28B11AFA', `-----BEGIN PRIVATE KEY----- ${BODY.join(' ')} -----END PRIVATE KEY-----`])).toEqual({ body: [0, 0], openAfter: false });
  });

  it('marks, when asked (a Lambda invocation), two full body lines in a row or more that no BEGIN or END surrounds', () => {
    const orphans = (lines: readonly string[]): number[] | undefined => {
      const data = Buffer.from(lines.join('\n') + '\n');
      const found = pemBodies(data, lineEnds(data), undefined, true);
      return found && [...found.body];
    };
    const p = '2026-12-02T10:00:02Z app: ';
    const ssh = 'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW';
    expect(orphans(['loading', BODY[0] as string, BODY[1] as string, `${p}${BODY[0]}`, 'done'])).toEqual([0, 1, 1, 1, 0]);
    expect(orphans([ssh, ssh.replace('b3B', 'Q9x')])).toEqual([1, 1]);
    // One such line alone, hex, a padded or short run, or a run of another width: none.
    expect(orphans(['x', BODY[0] as string, 'y'])).toBeUndefined();
    expect(orphans(['a'.repeat(32) + '0123456789abcdef'.repeat(2), 'f'.repeat(32) + '0123456789abcdef'.repeat(2)])).toBeUndefined();
    expect(orphans([BODY[2] as string, BODY[2] as string, `${BODY[0]}AAAA`, `${BODY[0]}AAAA`])).toBeUndefined();
    // Not asked (a file read in order carries its blocks from batch to batch): none.
    expect(scan([BODY[0] as string, BODY[1] as string])).toBeUndefined();
  });

  it('reads blank lines and headers after the BEGIN line\'s log prefix, and reopens on a BEGIN that closes a block', () => {
    const p = 'Dec  1 10:00:02 host app[12]: ';
    expect(scan([`${p}-----BEGIN PGP PRIVATE KEY BLOCK-----`, `${p}Version: GnuPG v2`, p, `${p}${BODY[0]}`, `${p}${BODY[1]}`])).toEqual({ body: [0, 0, 0, 1, 1], openAfter: true });
    expect(scan(['WARN no -----BEGIN PRIVATE KEY----- header, dumping file:', '-----BEGIN RSA PRIVATE KEY-----', BODY[0] as string])).toEqual({ body: [0, 0, 1], openAfter: true });
  });

  it('keeps a block open over blank lines and PEM headers, and takes only lines that look like its body after another line cuts it', () => {
    expect(scan(['-----BEGIN ENCRYPTED PRIVATE KEY-----', 'Proc-Type: 4,ENCRYPTED', '', BODY[0] as string, 'GET /health returned 200.', BODY[1] as string])).toEqual({ body: [0, 0, 0, 1, 0, 1], openAfter: true });
    // Right after a full line, a short run is taken for the last line (a word, at worst), and ends the run of body lines.
    expect(scan(['-----BEGIN PRIVATE KEY-----', BODY[0] as string, 'request served OK', 'GET /health 200 ok'])).toEqual({ body: [0, 1, 1, 0], openAfter: true });
    // Cut: a run of one kind of character is no body line's; the END line has the lines right before it marked.
    expect(scan(['-----BEGIN PRIVATE KEY-----', BODY[0] as string, 'ready.', 'aaaaaaaaaaaaaaaaaaaaaaaa', BODY[1] as string, 'ready.', BODY[2] as string, '-----END PRIVATE KEY-----', BODY[1] as string])).toEqual({
      body: [0, 1, 0, 0, 1, 0, 1, 0, 0],
      openAfter: false,
    });
    // Up to 64 lines on; 2 before the block's first full line (a message that names a key, then other lines).
    const far = (n: number) => scan(['-----BEGIN PRIVATE KEY-----', BODY[0] as string, ...Array.from({ length: n }, () => 'ready.'), BODY[1] as string])?.body.at(-1);
    expect([far(64), far(65)]).toEqual([1, 0]);
    const first = (n: number) => scan(['-----BEGIN PRIVATE KEY-----', ...Array.from({ length: n }, () => 'ready.'), BODY[1] as string])?.body.at(-1);
    expect([first(2), first(3)]).toEqual([1, 0]);
    const mention = ['WARN rejected upload: file starts with -----BEGIN RSA PRIVATE KEY-----', 'INFO upload 7 of the batch is done and stored.', 'INFO commit deployed as build Zm9vYmFyQmF6UXV4MTIz', 'INFO next request is served from the cache.', 'INFO commit deployed as build Zm9vYmFyQmF6UXV4MTIzZm9vYmFyQmF6UXV4MTIzMTIz'];
    expect(scan(mention)).toEqual({ body: [0, 0, 0, 0, 0], openAfter: false });
  });

  it("passes over another source's lines between a block's, as their log prefixes tell them", () => {
    const web = (l: string) => `web-1  | ${l}`;
    const db = (l: string) => `db-1   | ${l}`;
    const lines = [web('-----BEGIN PRIVATE KEY-----'), db('ready.'), web(BODY[0] as string), db('9eXUyfyby4xhnoIate8tBz4SFQUkgpuS1'), web(BODY[1] as string), db('ready.'), web(BODY[2] as string), web('-----END PRIVATE KEY-----')];
    expect(scan(lines)).toEqual({ body: [0, 0, 1, 0, 1, 0, 1, 0], openAfter: false });
    // The source's own other line cuts the block, as any line does where no prefix tells.
    expect(scan([web('-----BEGIN PRIVATE KEY-----'), web(BODY[0] as string), web('key loaded.'), web('short'), web(BODY[1] as string)])).toEqual({ body: [0, 1, 0, 0, 1], openAfter: true });
    // A line without a prefix is the block's own: a logger prints a message's first line alone behind one.
    expect(scan(['[main] loaded -----BEGIN PRIVATE KEY-----', ...BODY, '-----END PRIVATE KEY-----'])).toEqual({ body: [0, 1, 1, 1, 0], openAfter: false });
    // A timestamp alone names no source: every line's is alike.
    const t = (l: string) => `2024-05-01T10:00:00.1234567Z ${l}`;
    expect(scan([t('-----BEGIN PRIVATE KEY-----'), t(BODY[0] as string), t('other line.'), t('xyz')])).toEqual({ body: [0, 1, 0, 0], openAfter: true });
  });

  it('opens no block for a key whole on its line, a certificate, or a line without a key', () => {
    expect(scan(['{"key":"-----BEGIN PRIVATE KEY-----\\nMIIC\\n-----END PRIVATE KEY-----"}', BODY[0] as string])).toEqual({ body: [0, 0], openAfter: false });
    expect(scan(['-----BEGIN CERTIFICATE-----', BODY[0] as string])).toBeUndefined();
    expect(scan([BODY[0] as string])).toBeUndefined();
  });

  it('tells the batcher which block is open after whole lines, a last line without an end included', () => {
    expect(pemStateAfter(Buffer.from(`x\n  -----BEGIN PRIVATE KEY-----\n${BODY[0]}`), undefined)).toEqual({ prefix: 2, afterFull: true });
    expect(pemStateAfter(Buffer.from(`${BODY[1]}\n-----END PRIVATE KEY-----\n`), OPEN)).toBeUndefined();
    expect(pemStateAfter(Buffer.from('plain\n'), undefined)).toBeUndefined();
  });

  it('finds the mark of a private key past a PRIVATE without it, and not in a PRIVATE at the very end', () => {
    const at = (text: string): number => indexOfMark(Buffer.from(text));
    expect(at('-----BEGIN PRIVATE KEY-----')).toBe(11);
    expect(at('PRIVATE data, then -----BEGIN RSA PRIVATE KEY-----')).toBe(34);
    expect(at('PRIVATE KEY')).toBe(0);
    expect(at('x PRIVATE KE')).toBe(-1);
    expect(at('x PRIVATE')).toBe(-1);
    expect(at('private key')).toBe(-1);
    expect(at('')).toBe(-1);
    expect(at('PRIVATEPRIVATE KEY')).toBe(7);
    // Every text of these pieces, up to four of them: the place indexOf gives for the whole mark.
    const pieces = ['PRIVATE', ' KEY', 'PRIVATE K', 'x', ' ', 'PRIVATE KEY'];
    const texts = [''];
    let level = [''];
    for (let n = 0; n < 4; n++) texts.push(...(level = level.flatMap((t) => pieces.map((p) => t + p))));
    for (const t of texts) expect(at(t)).toBe(Buffer.from(t).indexOf('PRIVATE KEY'));
  });

  it('finds the run a body line ends in, after a prefix', () => {
    const line = `app: ${BODY[2]}  `;
    expect(bodyRun(line)).toEqual({ start: 5, end: 5 + (BODY[2] as string).length });
  });
});

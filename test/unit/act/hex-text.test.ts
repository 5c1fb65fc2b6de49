import RE2 from 're2';
import { describe, expect, it } from 'vitest';
import { encodedHex, HEX_TEXT_LINE, hexTextIn, mayHoldHexText } from '../../../src/act/hex-text.js';

const hex = (text: string): string => Buffer.from(text).toString('hex');

describe('hexTextIn', () => {
  it('finds hex of a text, led by 0x or not, in either case, and writes it again so', () => {
    const token = 'ghp_qh8Mf3nwL6wfFVFHjISTfy4Nzo4tPsrN13R6';
    const text = `tcpdump payload 0x${hex(token)} len=40 dump ${hex('password=hunter2\r\n').toUpperCase()} {"bytes":"${hex('caf\u00e9 \u00e0 la carte, merci')}"}`;
    const found = hexTextIn(text);
    expect(found.map((f) => f.text)).toEqual([token, 'password=hunter2\r\n']);
    expect(text.slice(found[0]?.start, found[0]?.end)).toBe(hex(token));
    expect(found.map((f) => f.upper)).toEqual([false, true]);
    if (found[1]) expect(encodedHex('password=[[X]]\r\n', found[1])).toBe(hex('password=[[X]]\r\n').toUpperCase());
    expect(mayHoldHexText(text)).toBe(true);
  });

  it('reads PostgreSQL\'s bytea, led by \\x, and digits alone when so led', () => {
    const value = `INSERT INTO t VALUES (1, '\\x${hex('export TOKEN=ghp_A1b2C3d4\n')}', '\\x${hex('4111111111111111')}');`;
    expect(hexTextIn(value).map((f) => f.text)).toEqual(['export TOKEN=ghp_A1b2C3d4\n', '4111111111111111']);
    expect(new RE2(HEX_TEXT_LINE).test(value)).toBe(true);
  });

  it('leaves digests, ids, numbers, words and hex that spells no text', () => {
    const values = [
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      '4bf92f3577b34da6a3ce929d0e0e4736',
      '123456789012345678901234567890',
      hex('short'),
      hex('text\u0001with a control byte'),
      // A NUL that ends no argument of text: a leading one.
      hex('\u0000text after a NUL'),
      `x${hex('password=hunter2\n')}`,
      `${hex('password=hunter2\n')}0`,
      // Digits alone, unled: a decimal number more likely (this one spells ************1111).
      '2a2a2a2a2a2a2a2a2a2a2a2a31313131'.replace(/2a/g, '34'),
    ];
    for (const value of values) expect(hexTextIn(`v=${value} end`), value).toEqual([]);
    expect(mayHoldHexText('deadbeef')).toBe(false);
  });

  it('reads a command line as the kernel keeps it (auditd PROCTITLE) with blanks for its NULs, and writes its NULs again', () => {
    const argv = (args: string[]): string => hex(args.join('\u0000')).toUpperCase();
    const line = `type=PROCTITLE msg=audit(1700000000.127:4525): proctitle=${argv(['mysql', '-uroot', '-pTopS3cretPw', 'db'])}`;
    const [found] = hexTextIn(line);
    expect(found?.text).toBe('mysql -uroot -pTopS3cretPw db');
    if (found) expect(encodedHex('mysql -uroot -p[[X]] db', found)).toBe(argv(['mysql', '-uroot', '-p[[X]]', 'db']));
    expect(mayHoldHexText(line)).toBe(true);
    expect(new RE2(HEX_TEXT_LINE).test(line)).toBe(true);
    // An argument that holds a blank: the NULs read as line feeds.
    const [shell] = hexTextIn(`proctitle=${argv(['bash', '-c', 'mysql -pX db'])}`);
    expect(shell?.text).toBe('bash\n-c\nmysql -pX db');
    if (shell) expect(encodedHex('bash\n-c\nmysql -p[[X]] db', shell)).toBe(argv(['bash', '-c', 'mysql -p[[X]] db']));
  });

  it('reads a command line with an empty argument, or one holding a blank and a line feed, and writes each NUL back where it stood', () => {
    const argv = (args: string[]): string => hex(args.join('\u0000'));
    const empty = argv(['psql', 'postgres://u:Zq8xW2vLp9@db.example.com/x', '', '-c']);
    const [found] = hexTextIn(`type=PROCTITLE msg=audit(1700000000.127:4525): proctitle=${empty}`);
    expect(found?.text).toBe('psql postgres://u:Zq8xW2vLp9@db.example.com/x  -c');
    if (found) {
      expect(encodedHex(found.text, found)).toBe(empty);
      expect(encodedHex('psql postgres://u:[[X]]@db.example.com/x  -c', found)).toBe(argv(['psql', 'postgres://u:[[X]]@db.example.com/x', '', '-c']));
    }
    const both = argv(['sh', '-c', 'echo a\nmysql -pZq8xW2vLp9 db']);
    const [shell] = hexTextIn(`proctitle=${both}`);
    expect(shell?.text).toBe('sh -c echo a\nmysql -pZq8xW2vLp9 db');
    if (shell) {
      expect(encodedHex(shell.text, shell)).toBe(both);
      expect(encodedHex('sh -c echo a\nmysql -p[[X]] db', shell)).toBe(argv(['sh', '-c', 'echo a\nmysql -p[[X]] db']));
    }
    // Any argument vector round-trips exactly.
    const random = ['a b', '', 'x\ny z', '', '', 'tail arg', ''];
    const [run] = hexTextIn(`proctitle=${argv(['prog', ...random])}`);
    if (run) expect(encodedHex(run.text, run)).toBe(argv(['prog', ...random]));
  });

  it('is found by the line prefilter wherever the structured path reads one', () => {
    const line = new RE2(HEX_TEXT_LINE);
    const bytes = [0x09, 0x0a, 0x0d, ...Array.from({ length: 0x7f - 0x20 }, (_, i) => 0x20 + i)];
    for (const b of bytes) {
      const text = Buffer.alloc(12, b).toString('utf8');
      for (const written of [hex(text), hex(text).toUpperCase(), `0x${hex(text)}`]) {
        // Digits alone are read only led by 0x.
        const read = /[a-f]/i.test(written.slice(2)) || written.startsWith('0x');
        expect(hexTextIn(` ${written} `).map((f) => f.text), written).toEqual(read ? [text] : []);
        expect(line.test(` ${written} `), written).toBe(true);
      }
    }
  });
});

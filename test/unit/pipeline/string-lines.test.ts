import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { controlEscapesDecoded } from '../../../src/detect/json-readings.js';
import type { BatchContext } from '../../../src/pipeline/batch.js';
import { mayHide } from '../../../src/pipeline/prepare.js';
import { mayNameInStrings, stringLineValues } from '../../../src/pipeline/string-lines.js';
import { batchContext, builtinPolicy } from '../../helpers/engine.js';
import { bothPaths } from '../../helpers/fast-path.js';

const policy = builtinPolicy();

/** What {@link stringLineValues} takes in `text`, as `value (pattern)`. */
const taken = (text: string): string[] => stringLineValues(text, policy).map((v) => `${text.slice(v.start, v.end)} (${v.pattern})`);

/** Whether the JSON line holding `strings` as its members' values may name a value in one of them, read as the batch reads it. */
const mayName = (...strings: string[]): boolean => {
  const line = Buffer.from(JSON.stringify(Object.fromEntries(strings.map((s, i) => [`k${i}`, s]))));
  return mayNameInStrings(controlEscapesDecoded(line) as Buffer);
};

/** Lines of a message: openers, values, prose, a stack trace's and a traceback's. */
const VOCABULARY = [
  'Config {',
  '    password: Some(',
  '        "Zq8v!pL2mN0xRt5",',
  '    ),',
  '  password:',
  '    hunter2real',
  '  api_token: >-',
  '  note: |',
  '  - name: DB_PASSWORD',
  '    value: d0VnwVvByQ1zs',
  '    value: |',
  'machine ftp.example.com',
  '  login bob',
  '  password adc4vAzKr0ix',
  '  ["password"]=>',
  '  string(12) "hunter2xyzAB"',
  '',
  '  # a comment',
  '\tat com.acme.App.main(App.java:12)',
  'Traceback (most recent call last):',
  'During handling of the above exception, another exception occurred:',
  '  File "app.py", line 3, in <module>',
  'ValueError: bad value',
  '2024-05-01T10:00:00Z   password:',
  '2024-05-01T10:00:01Z     hunter2real',
];

describe('the lines of a string', () => {
  it('are read as a text log\'s lines after the first: a key alone, a Rust debug print, a block scalar, an env entry, a netrc entry, a var_dump', () => {
    expect(taken('loaded config:\n  password:\n    hunter2real\n  user: app')).toEqual(['hunter2real (password)']);
    expect(taken('Config {\n    host: "db",\n    password: Some(\n        "Zq8v!pL2mN0xRt5",\n    ),\n}')).toEqual(['Zq8v!pL2mN0xRt5 (password)']);
    expect(taken('values:\n  client_secret: |\n    #Zp4Rt7Wq2Mn8\n    second line\n  host: x')).toEqual(['#Zp4Rt7Wq2Mn8 (client_secret)', 'second line (client_secret)']);
    expect(taken('env:\n- name: DB_PASSWORD\n  value: d0VnwVvByQ1zs\n- name: HOST\n  value: db')).toEqual(['d0VnwVvByQ1zs (*_password)']);
    expect(taken('netrc:\nmachine ftp.example.com\n  login bob\n  password adc4vAzKr0ix\n')).toEqual(['adc4vAzKr0ix (password)']);
    expect(taken('array(1) {\n  ["password"]=>\n  string(12) "hunter2xyzAB"\n}')).toEqual(['hunter2xyzAB (password)']);
    // Where the value is written: past a CRLF's lines, after characters outside the BMP.
    const text = '🔑 keys 🔑:\r\n  password:\r\n    hunter2real\r\n';
    const [v] = stringLineValues(text, policy);
    expect(text.slice(v?.start, v?.end)).toBe('hunter2real');
  });

  it('take nothing from the first line, from a single line end, or under a key no rule takes', () => {
    expect(taken('password:\n  hunter2real')).toEqual([]);
    expect(taken('password: |\n  hunter2real\n')).toEqual([]);
    expect(taken('note:\n  hunter2real\n')).toEqual([]);
    expect(taken('Traceback (most recent call last):\n  File "app.py", line 3, in <module>\n    main()\nValueError: bad value')).toEqual([]);
  });

  it('are looked at by the batch wherever a value may be named, and not for a stack trace or a traceback', () => {
    expect(mayName('loaded config:\n  password:\n    hunter2real')).toBe(true);
    expect(mayName('x', 'Config {\n    password: Some(\n        "Zq8v!pL2mN0xRt5",\n    ),\n}')).toBe(true);
    expect(mayName('java.lang.IllegalStateException: boom\n\tat com.acme.App.main(App.java:12)\n\tat java.base/java.lang.Thread.run(Thread.java:833)\n')).toBe(false);
    expect(mayName('Traceback (most recent call last):\n  File "app.py", line 3, in <module>\n    main()\nDuring handling of the above exception, another exception occurred:\n\nValueError: bad value')).toBe(false);
    expect(mayName('one line')).toBe(false);
  });

  it('hold no value the batch does not look at (a property over messages made of such lines)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.constantFrom(...VOCABULARY), { maxLength: 8 }), { minLength: 1, maxLength: 3 }), (messages) => {
        const strings = messages.map((m) => m.join('\n'));
        if (strings.some((s) => stringLineValues(s, policy).length > 0)) expect(mayName(...strings)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('the fast path on JSON lines whose strings hold lines', () => {
  let base: Omit<BatchContext, 'fastPath'>;
  beforeAll(async () => {
    base = await batchContext(policy);
  });

  it('rejects a record with a repeated key whose string names a value, as it rejects one that may hide a match', () => {
    const msg = 'cfg\n  token: >-\n    Hunter2Secret99\n';
    const line = JSON.stringify({ msg }).replace(/}$/, ',"msg":"x"}');
    expect(mayHide(Buffer.from(line), policy)).toBe(true);
    expect(mayHide(Buffer.from(JSON.stringify({ msg: 'a\nb\nc' }).replace(/}$/, ',"msg":"x"}')), policy)).toBe(false);
    expect(Buffer.from(bothPaths(base, [line]).output).toString()).not.toContain('Hunter2Secret99');
  });

  it('gives what the structured path gives, and leaves no named value', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.constantFrom(...VOCABULARY), { maxLength: 8 }), { minLength: 1, maxLength: 6 }), (messages) => {
        const lines = messages.map((m, i) => JSON.stringify({ level: 'info', seq: i, msg: m.join('\n') }));
        const out = Buffer.from(bothPaths(base, lines).output).toString();
        for (const [m, line] of messages.map((msg, i) => [msg, out.split('\n')[i] as string] as const)) {
          // A Rust field's string on the line after it, past the message's first line, where no
          // block scalar before it may hold both lines as its literal text.
          const opened = m.indexOf('    password: Some(', 1);
          const inBlock = m.slice(0, opened).some((l) => /: [|>]/.test(l));
          if (opened !== -1 && !inBlock && m[opened + 1] === '        "Zq8v!pL2mN0xRt5",') expect(line).not.toContain('Zq8v!pL2mN0xRt5');
        }
      }),
      { numRuns: 1000 },
    );
  });
});

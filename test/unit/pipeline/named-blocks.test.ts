import { describe, expect, it } from 'vitest';
import { lineEnds } from '../../../src/detect/line-filter.js';
import { encodeFor, keyLine } from '../../../src/pipeline/named-lines.js';
import type { NamedState } from '../../../src/pipeline/named-types.js';
import { namedStateAfter, namedValues } from '../../../src/pipeline/named-values.js';
import { mayOpen } from '../../../src/pipeline/named-bytes.js';
import { builtinPolicy, runEngine } from '../../helpers/engine.js';
import { batchText, describeMarks, expectSameMarksAtEveryCut } from '../../helpers/line-marks.js';

const policy = builtinPolicy();

/** The values each marked line of `lines` (one batch) holds, as `line: value (pattern)`. */
function marked(lines: readonly string[], state?: NamedState): string[] {
  const data = Buffer.from(batchText(lines));
  return describeMarks(lines, namedValues(data, lineEnds(data), state, policy)?.lines ?? []);
}

const after = (lines: readonly string[], state?: NamedState): NamedState | undefined => namedStateAfter(Buffer.from(batchText(lines)), state);

describe('a YAML block scalar under a key a rule takes', () => {
  it('marks each line of the block, literal or folded, with any indicators', () => {
    for (const indicator of ['|', '|-', '|+', '>', '>-', '>+', '|2', '>1-', '|-2', '>+9']) {
      expect(marked(['database:', `  password: ${indicator}`, '    Kx9mQ2vLpR7tZ4wN', '  user: app']), indicator).toEqual(['2: Kx9mQ2vLpR7tZ4wN -> Kx9mQ2vLpR7tZ4wN (password)']);
    }
    // Every line of a longer block, a blank line in it, `#`, quotes and `: ` as its own text, a line deeper than the first.
    const block = ['api:', '  client_secret: |', '    #Zp4Rt7Wq2Mn8', '', '    say "it": twice', '      deeper-s3cret ', '  host: example.org'];
    expect(marked(block)).toEqual([
      '2: #Zp4Rt7Wq2Mn8 -> #Zp4Rt7Wq2Mn8 (client_secret)',
      '4: say "it": twice -> say "it": twice (client_secret)',
      '5: deeper-s3cret -> deeper-s3cret (client_secret)',
    ]);
    // At a line's start, and a CRLF line end.
    expect(marked(['token: >-\r', '  9fj3Kd8sL2mQ7hhY\r'])).toEqual(['1: 9fj3Kd8sL2mQ7hhY -> 9fj3Kd8sL2mQ7hhY (token)']);
    // A comment after the indicators, or after a key alone whose value the next line holds.
    expect(marked(['INFO start', '  password: |-  # from the vault', '    Kx9mQ2vLpR7tZ4wN'])).toEqual(['2: Kx9mQ2vLpR7tZ4wN -> Kx9mQ2vLpR7tZ4wN (password)']);
    expect(marked(['INFO start', '  password:\t# rotated', '    Kx9mQ2vLpR7tZ4wN'])).toEqual(['2: Kx9mQ2vLpR7tZ4wN -> Kx9mQ2vLpR7tZ4wN (password)']);
    expect(marked(['INFO start', '  password: |#note', '    Kx9mQ2vLpR7tZ4wN'])).toEqual([]);
  });

  it('takes every line of the block whatever it reads as, and ends it at a line no deeper than its key, less deep than its first line, or after six lines', () => {
    expect(marked(['  password: |', '  user: app', '    not-the-value'])).toEqual([]);
    expect(marked(['  password: |', '      first-line-deep', '    less-deep'])).toEqual(['1: first-line-deep -> first-line-deep (password)']);
    const seven = Array.from({ length: 7 }, (_, i) => `    line-${i}`);
    expect(marked(['  password: |', ...seven])).toHaveLength(6);
    // A comment line at the key's column is a comment, and ends nothing.
    expect(marked(['  password: |', '  # rotated', '    s3cret-after'])).toEqual(['2: s3cret-after -> s3cret-after (password)']);
    // A line that would open something elsewhere is the block's: its text is literal.
    expect(marked(['  password: |', '    - name: DB_PASSWORD', '      value: d0VnwVvByQ1zs'])).toEqual([
      '1: - name: DB_PASSWORD -> - name: DB_PASSWORD (password)',
      '2: value: d0VnwVvByQ1zs -> value: d0VnwVvByQ1zs (password)',
    ]);
    expect(marked(['  password: |', '    first-line-Zq8v', '    key: Zq8vPLm2N0xRt5', '    last-line-Zq8v'])).toHaveLength(3);
    expect(marked(['  client_secret: |', '    name: Zq8vPLm2N0xRt5'])).toEqual(['1: name: Zq8vPLm2N0xRt5 -> name: Zq8vPLm2N0xRt5 (client_secret)']);
    expect(marked(['  password: |', '    sub:', '      Zq8vPLm2N0xRt5', '    machine h.example.com', '    x: |'])).toHaveLength(4);
    // Under a key no rule takes, such a line opens nothing either.
    expect(marked(['  note: |', '    password:', '      Zq8vPLm2N0xRt5'])).toEqual([]);
  });

  it('takes nothing under a key no rule takes, nor after what is no block scalar key', () => {
    expect(marked(['  note: |', '    Kx9mQ2vLpR7tZ4wN'])).toEqual([]);
    for (const key of ['  password: |x', '  password: |0', '  password: |--', '  password: |#note', '  password: "|"', '  - password: |', '  password:|']) {
      expect(keyLine(key), key).toBeUndefined();
      expect(marked([key, '    Kx9mQ2vLpR7tZ4wN']), key).toEqual([]);
    }
  });

  it('is looked at by its last bytes when nothing is open, as a key alone is', () => {
    for (const line of ['password: |', '  token: >-', '  secret: |+2', 'a: >9 ', 'key: |\r', 'default\r', 'default\r\r', 'password: | # note', '  token:  # c', 'a: >- #']) {
      const data = Buffer.from(line);
      expect(mayOpen(data, 0, data.length), line).toBe(true);
    }
    // A line that ends in a colon is looked at only when it is a key alone: prose is not.
    for (const line of ['a|', 'value: 1 | 2x', '"x": |', '- a: |', 'Caused by:', 'Traceback (most recent call last):', '  db.password_file:', '  9a:', 'see: x # y', 'a b: # c', 'password: |#x', 'Error: failed # 2', 'issue #42:']) {
      const data = Buffer.from(line);
      expect(mayOpen(data, 0, data.length), line).toBe(keyLine(line) !== undefined);
    }
  });

  it('writes a replacement as the line was: literal text, a control character escaped', () => {
    expect(encodeFor('block', '[[PASSWORD]]')).toBe('[[PASSWORD]]');
    expect(encodeFor('block', 'a"b')).toBe('a"b');
    expect(encodeFor('block', 'a\nb')).toBe('a\\nb');
    expect(encodeFor('block', '')).toBe('');
  });

  it('marks the same lines whatever the batches are cut at, with the state the batcher carries', () => {
    const vocabulary = [
      '  password: |',
      '  client_secret: >-',
      '  note: |',
      '    Kx9mQ2vLpR7tZ4wN',
      '      deeper-s3cret',
      '    #Zp4Rt7Wq2Mn8',
      '  # a comment',
      '',
      '  user: app',
      '2024-05-01T10:00:00Z   password: |',
      '2024-05-01T10:00:01Z     hQ3nV8xWk2LmP9rT',
      'web-1  |     hQ3nV8xWk2LmP9rT',
      '  - name: DB_PASSWORD',
      '    value: d0VnwVvByQ1zs',
    ];
    expectSameMarksAtEveryCut(vocabulary, 16, marked, after);
  });

  it('marks the same lines at every cut where a block holds lines that would open something elsewhere', () => {
    const vocabulary = [
      'password: |',
      '  password: |',
      '    token: >-',
      '  note: |',
      '    - name: DB_PASSWORD',
      '      value: d0VnwVvByQ1zs',
      '    password:',
      '      Zq8vPLm2N0xRt5',
      '    machine h.example.com',
      '      password adc4vAzKr0ix',
      '    # Zp4Rt7Wq2Mn8',
      '',
      'web-1  |   password: |',
      'web-1  |     hQ3nV8xWk2LmP9rT',
      'user: app',
    ];
    expectSameMarksAtEveryCut(vocabulary, 24, marked, after);
  });

  it('leaves no line of the block in the output, bare, behind a timestamp or in a container record, across batches', async () => {
    const secrets = ['Kx9mQ2vLpR7tZ4wN', 'hQ3nV8xWk2LmP9rT', '#Zp4Rt7Wq2Mn8', 'dIo3VPGvQieeh&ces$'];
    const yaml = ['database:', '  host: db.internal', '  password: |', `    ${secrets[0]}`, 'api:', '  secret: >-', `    ${secrets[1]}`, '  client_secret: |', `    ${secrets[2]}`, '  user: app'];
    yaml.push('env:', '- name: SMTP_PASSWORD', '  value: |', `    ${secrets[3]}`);
    const stamped = yaml.map((l, i) => `2024-05-01T10:00:${String(i).padStart(2, '0')}Z ${l}`);
    const records = yaml.map((l) => JSON.stringify({ log: `${l}\n`, stream: 'stdout', time: '2024-05-01T10:00:00Z' }));
    for (const lines of [yaml, stamped, records]) {
      for (const batchRecords of [3, 100]) {
        const r = await runEngine(lines.join('\n') + '\n', { policy, batch: { maxBatchRecords: batchRecords } });
        for (const s of secrets) expect(r.output, `${lines[0]} / ${batchRecords}`).not.toContain(s.replace('#', ''));
        expect(r.output.split('\n').slice(0, -1)).toHaveLength(lines.length);
        expect(r.output).toContain('host: db.internal');
        expect(r.summary).toMatchObject({ recordsIn: lines.length, appOut: lines.length });
      }
    }
  });
});

describe('a YAML block scalar as the value member under a name', () => {
  it('marks the block lines of a name a rule takes, as the name decides its other values', () => {
    const env = ['        env:', '        - name: SMTP_PASSWORD', '          value: |', '            dIo3VPGvQieeh&ces$', '        - name: SMTP_HOST', '          value: >-', '            smtp.acme-corp.io'];
    expect(marked(env)).toEqual(['3: dIo3VPGvQieeh&ces$ -> dIo3VPGvQieeh&ces$ (*_password)']);
    // A sibling between (an SSM parameter's type), the members' keys capitalised.
    expect(marked(['  - Name: /prod/db_password', '    Type: SecureString', '    Value: |-', '      hunter2-real-one'])).toEqual(['3: hunter2-real-one -> hunter2-real-one (value)']);
  });

  it('counts the block lines among the name member lines, and opens nothing without a name', () => {
    // The name, a sibling, the value line and its block: six member lines at most.
    const lines = ['  - name: DB_PASSWORD', '    note: x', '    value: |', ...Array.from({ length: 6 }, (_, i) => `      line-${i}`)];
    expect(marked(lines)).toHaveLength(4);
    expect(marked(['    value: |', '      dIo3VPGvQieeh'])).toEqual([]);
    expect(marked(['  - name: DB_PASSWORD', '      value: |', '        not-at-the-column'])).toEqual([]);
    expect(marked(['    "name": "DB_PASSWORD",', '    value: |', '      json-then-yaml'])).toEqual([]);
  });

  it('marks the same lines whatever the batches are cut at', () => {
    const vocabulary = ['  - name: DB_PASSWORD', '  - name: HOST', '    type: SecureString', '    value: |', '    value: >-', '      dIo3VPGvQieeh', '        deeper', '', '  password: |', '2024-05-01T10:00:00Z   - name: API_TOKEN', '2024-05-01T10:00:01Z     value: |', '2024-05-01T10:00:02Z       hQ3nV8xWk2LmP9rT', 'web-1  | other'];
    expectSameMarksAtEveryCut(vocabulary, 16, marked, after);
  });
});

describe('a name no rule selects', () => {
  it('stays open for a sibling that meets a conditional rule, whatever the batches are cut at', () => {
    const ssm = ['  - Name: /prod/db/master', '    Type: SecureString', '    Value: hunter2-real-one'];
    expect(marked(ssm)).toEqual(['2: hunter2-real-one -> hunter2-real-one (value)']);
    for (let cut = 1; cut < ssm.length; cut++) expect(marked(ssm.slice(cut), after(ssm.slice(0, cut))), String(cut)).toEqual([`${2 - cut}: hunter2-real-one -> hunter2-real-one (value)`]);
    expect(marked(['  - Name: /prod/db/master', '    Type: String', '    Value: not-secret'])).toEqual([]);
  });
});

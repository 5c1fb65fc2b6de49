import { describe, expect, it } from 'vitest';
import { lineEnds } from '../../../src/detect/line-filter.js';
import { encodeFor, quotedSpan } from '../../../src/pipeline/named-lines.js';
import type { NamedState } from '../../../src/pipeline/named-types.js';
import { namedStateAfter, namedValues } from '../../../src/pipeline/named-values.js';
import { builtinPatternsDir } from '../../../src/config/config.js';
import { CompiledPolicy } from '../../../src/detect/compile.js';
import { loadPolicy } from '../../../src/detect/load.js';
import type { ActionSpec } from '../../../src/detect/pack.js';
import { builtinPolicy, LIMITS, runEngine } from '../../helpers/engine.js';
import { expectSameMarksAtEveryCut } from '../../helpers/line-marks.js';

const policy = builtinPolicy();

/** The values each marked line of `lines` (one batch) holds, as `line: value (pattern)`. */
function marked(lines: readonly string[], state?: NamedState): string[] {
  const text = lines.join('\n') + '\n';
  const data = Buffer.from(text);
  const found = namedValues(data, lineEnds(data), state, policy);
  const out: string[] = [];
  for (const [i, spans] of found?.lines ?? []) {
    for (const s of spans) {
      // The span is where the value is written in its line.
      expect((lines[i] as string).slice(s.start, s.end).length).toBeGreaterThan(0);
      out.push(`${i}: ${(lines[i] as string).slice(s.start, s.end)} -> ${s.value} (${s.pattern})`);
    }
  }
  return out;
}

const after = (lines: readonly string[], state?: NamedState): NamedState | undefined => namedStateAfter(Buffer.from(lines.join('\n') + '\n'), state);

describe('values named on the line before', () => {
  it('marks the value of a YAML env entry whose name a key rule redacts, and not one whose name it does not', () => {
    const env = ['        env:', '        - name: SMTP_PASSWORD', '          value: dIo3VPGvQieeh&ces$', '        - name: SMTP_HOST', '          value: smtp.acme-corp.io'];
    expect(marked(env)).toEqual(['2: dIo3VPGvQieeh&ces$ -> dIo3VPGvQieeh&ces$ (*_password)']);
    // Quoted values keep their quotes; a list at the line's start; a CRLF line end.
    expect(marked(['- name: api_key', '  value: "s3cr3t-\\"q\\""\r', "- name: GITHUB_TOKEN", "  value: 'it''s-a-token'"])).toEqual([
      '1: s3cr3t-\\"q\\" -> s3cr3t-"q" (api_key)',
      "3: it''s-a-token -> it's-a-token (*_token)",
    ]);
    // Blank lines between the name and its value.
    expect(marked(['  - name: DB_PASSWORD', '', '   ', '    value: hunter2-secret'])).toEqual(['3: hunter2-secret -> hunter2-secret (*_password)']);
  });

  it('marks the value of a pretty-printed JSON env entry, a string or a number, keeping its quotes and comma', () => {
    const env = ['            "env": [', '              {', '                "name": "DB_PASSWORD",', '                "value": "d0VnwVvByQ1zs@47F!"', '              },'];
    expect(marked(env)).toEqual(['3: d0VnwVvByQ1zs@47F! -> d0VnwVvByQ1zs@47F! (*_password)']);
    expect(marked(['    "Name": "pin_code",', '    "Value": 4921,', '    "Name": "x",', '    "value": "\\u0041BC"'])).toEqual(['1: 4921 -> 4921 (pin_code)']);
    expect(marked(['    "name": "session_token",', '    "value": "\\u0041BC",'])).toEqual(['1: \\u0041BC -> ABC (*_token)']);
  });

  it('leaves every line that is not just the value member right after the name', () => {
    const name = '        - name: SMTP_PASSWORD';
    for (const next of [
      '          valueFrom:',
      '          value: |',
      '          value: >-',
      '          value: {from: vault}',
      '          value:',
      '          value: ""',
      '          value: true',
      // Not in the name's column.
      '            value: dIo3VPGvQieeh',
      '        value: dIo3VPGvQieeh',
      // Another member first.
      '          image: app:1.2',
      // A mask or a reference another program wrote, or one of logveil's own tokens.
      '          value: "********"',
      '          value: ${SMTP_PASSWORD}',
      '          value: "{{ .Values.smtp.password }}"',
      '          value: [[PASSWORD]]',
    ]) {
      expect(marked([name, next]), next).toEqual([]);
    }
    // Only member lines at the name's column: another line closes it.
    expect(marked([name, '          env: {}', '          value: dIo3VPGvQieeh'])).toEqual([]);
    expect(marked([name, '          image:', '          value: dIo3VPGvQieeh'])).toEqual([]);
    // JSON with another member after the value; a quoted YAML scalar with more after it.
    expect(marked(['    "name": "DB_PASSWORD",', '    "value": "d0Vnw", "type": "Opaque"'])).toEqual([]);
    expect(marked([name, '          value: "dIo3VPGvQieeh" extra'])).toEqual([]);
    // JSON after YAML, YAML after JSON.
    expect(marked([name, '          "value": "dIo3VPGvQieeh"'])).toEqual([]);
    expect(marked(['    "name": "DB_PASSWORD",', '    value: dIo3VPGvQieeh'])).toEqual([]);
    // A name line in the middle of prose, or at the line's start without a list's dash.
    expect(marked(['user name: password', '          value: dIo3VPGvQieeh'])).toEqual([]);
    expect(marked(['name: DB_PASSWORD', 'value: dIo3VPGvQieeh'])).toEqual([]);
  });

  it('marks the password lines of a netrc entry written over several lines, and nothing after it', () => {
    expect(marked(['machine ftp.acme-corp.io', '  login backup', '  password adc4vAzKr0ix#BT2$', 'done'])).toEqual(['2: adc4vAzKr0ix#BT2$ -> adc4vAzKr0ix#BT2$ (password)']);
    expect(marked(['machine ftp.acme-corp.io login backup', 'password adc4vAzKr0ix#BT2$ account ops'])).toEqual(['1: adc4vAzKr0ix#BT2$ -> adc4vAzKr0ix#BT2$ (password)']);
    expect(marked(['default', '  login anonymous', '  password guest@example.com'])).toEqual(['2: guest@example.com -> guest@example.com (password)']);
    // Each keyword once an entry: a second password line is not the entry's.
    expect(marked(['machine a.example.com', 'password first-one', 'password reset'])).toEqual(['1: first-one -> first-one (password)']);
    // A line of anything else ends the entry; a new machine line opens another.
    expect(marked(['machine a.example.com', 'login bob', 'user logged in', 'password reset'])).toEqual([]);
    expect(marked(['machine a.example.com password p1', 'machine b.example.com', 'password p2'])).toEqual(['2: p2 -> p2 (password)']);
    // Not an entry: prose, a host that is no host name, the keyword line without an entry before it.
    expect(marked(['machine learning', 'password manager'])).toEqual([]);
    expect(marked(['the machine a.example.com is down', 'password reset'])).toEqual([]);
    expect(marked(['password adc4vAzKr0ix#BT2$'])).toEqual([]);
  });

  it('carries a name or an open netrc entry from one batch to the next', () => {
    const name = after(['        env:', '        - name: SMTP_PASSWORD', '']);
    expect(name).toEqual({ kind: 'name', name: 'SMTP_PASSWORD', column: 10, json: false, members: { name: 'SMTP_PASSWORD' }, read: 0, siblings: 0, prefix: '' });
    expect(marked(['          value: dIo3VPGvQieeh&ces$', '        - name: SMTP_HOST'], name)).toEqual(['0: dIo3VPGvQieeh&ces$ -> dIo3VPGvQieeh&ces$ (*_password)']);
    expect(marked(['          value: dIo3VPGvQieeh&ces$'])).toEqual([]);
    const entry = after(['machine ftp.acme-corp.io', '  login backup']);
    expect(entry).toEqual({ kind: 'netrc', seen: 1, prefix: '' });
    expect(marked(['  password adc4vAzKr0ix#BT2$'], entry)).toEqual(['0: adc4vAzKr0ix#BT2$ -> adc4vAzKr0ix#BT2$ (password)']);
    // Blank lines keep it; a batch of only them passes it on; anything else closes it.
    expect(after(['', '  '], entry)).toBe(entry);
    expect(after(['  password p', ''], entry)).toEqual({ kind: 'netrc', seen: 3, prefix: '' });
    expect(after(['  login again'], entry)).toBeUndefined();
    // A value keeps the name open for another value member (`old:`, `new:`); another line closes it.
    expect(after(['          value: x'], name)).toMatchObject({ kind: 'name', read: 1 });
    expect(after(['          value: x', 'plain text'], name)).toBeUndefined();
    expect(after(['plain text'], entry)).toBeUndefined();
    expect(after(['plain text'])).toBeUndefined();
  });

  it('follows the lines of a manifest or a netrc entry behind a log prefix, each line behind one of the same shape', () => {
    // GitHub Actions (a fraction of seven digits), kubectl --timestamps (its fraction's width changes), a container runtime's log file.
    expect(marked(['2024-05-01T10:00:00.1234567Z - name: DB_PASSWORD', '2024-05-01T10:00:00.1234567Z   value: dIo3VPGvQieeh&ces$'])).toEqual([
      '1: dIo3VPGvQieeh&ces$ -> dIo3VPGvQieeh&ces$ (*_password)',
    ]);
    expect(marked(['2024-05-01T10:00:01.1Z     - name: API_TOKEN', '2024-05-01T10:00:01.12Z       value: "Zq8v!pL2mN0x#Rt5"'])).toEqual(['1: Zq8v!pL2mN0x#Rt5 -> Zq8v!pL2mN0x#Rt5 (*_token)']);
    expect(marked(['2024-05-01T10:00:00.123456789Z stdout F         - name: SMTP_PASSWORD', '2024-05-01T10:00:00.123456789Z stdout F           value: a8Kd93jfh2Lq'])).toEqual([
      '1: a8Kd93jfh2Lq -> a8Kd93jfh2Lq (*_password)',
    ]);
    // journald's syslog header, pretty JSON behind it; Jenkins' bracketed timestamp; blank and comment lines behind the prefix.
    expect(marked(['Dec  7 01:00:00 ip-10-0-0-1 app[123]:     "name": "DB_PASSWORD",', 'Dec  7 01:00:00 ip-10-0-0-1 app[123]:     "value": "d0VnwVvByQ1zs@47F!"'])).toEqual([
      '1: d0VnwVvByQ1zs@47F! -> d0VnwVvByQ1zs@47F! (*_password)',
    ]);
    expect(marked(['[2024-05-01T10:00:00.000Z] - name: DB_PASSWORD', '[2024-05-01T10:00:00.000Z]', '[2024-05-01T10:00:00.000Z]   # from vault', '[2024-05-01T10:00:00.000Z]   value: jenkinsSecret99'])).toEqual([
      '3: jenkinsSecret99 -> jenkinsSecret99 (*_password)',
    ]);
    // A Compose service's lines, and a tag before a netrc entry.
    expect(marked(['web-1     | - name: SECRET_KEY', 'web-1     |   value: 9fj3Kd8sL2mQ'])).toEqual(['1: 9fj3Kd8sL2mQ -> 9fj3Kd8sL2mQ (secret_key)']);
    expect(marked(['[build] machine api.example.com', '[build]   login deploy', '[build]   password Zq8v!pL2mN0x#Rt5'])).toEqual(['2: Zq8v!pL2mN0x#Rt5 -> Zq8v!pL2mN0x#Rt5 (password)']);
  });

  it('passes over up to three lines of other sources between the lines of what is open, and no line behind another prefix is taken', () => {
    // Compose services and a container's two streams interleave.
    expect(marked(['web-1  | - name: DB_PASSWORD', 'db-1   | LOG:  checkpoint starting: time', 'web-1  |   value: leak1interleaved'])).toEqual([
      '2: leak1interleaved -> leak1interleaved (*_password)',
    ]);
    expect(marked(['2024-05-01T10:00:00.1Z stdout F - name: DB_PASSWORD', '2024-05-01T10:00:00.2Z stderr F warning: x', '2024-05-01T10:00:00.3Z stdout F   value: leak2stderr'])).toEqual([
      '2: leak2stderr -> leak2stderr (*_password)',
    ]);
    expect(marked(['[build] machine api.example.com', '[test] ok', '[build]   password Zq8v!pL2mN0x#Rt5'])).toEqual(['2: Zq8v!pL2mN0x#Rt5 -> Zq8v!pL2mN0x#Rt5 (password)']);
    // A day that rolls over, a whole second's timestamp without its fraction: the same source.
    expect(marked(['Dec  9 23:59:59 host app[1]: - name: DB_PASSWORD', 'Dec 10 00:00:00 host app[1]:   value: leak7dayRoll'])).toEqual(['1: leak7dayRoll -> leak7dayRoll (*_password)']);
    expect(marked(['2024-05-01T10:00:00.123456789Z - name: DB_PASSWORD', '2024-05-01T10:00:01Z   value: leak8wholeSecond'])).toEqual(['1: leak8wholeSecond -> leak8wholeSecond (*_password)']);
    // Prefixes one after another.
    expect(marked(['web-1  | 2024-05-01T10:00:00.123456789Z - name: DB_PASSWORD', 'web-1  | 2024-05-01T10:00:00.2Z   value: leak3stacked'])).toEqual(['1: leak3stacked -> leak3stacked (*_password)']);
    // Replicas, hosts and processes whose names differ in their digits are other sources.
    expect(marked(['Dec  7 01:00:00 host php-fpm[101]:   ["password"]=>', 'Dec  7 01:00:00 host php-fpm[202]: NOTICE: child 202 started', 'Dec  7 01:00:00 host php-fpm[101]:   string(11) "hunter2Abcd"'])).toEqual([
      '2: hunter2Abcd -> hunter2Abcd (password)',
    ]);
    expect(marked(['web-1  |   ["password"]=>', 'web-3  |   string(5) "hello"', 'web-1  |   string(11) "hunter2Abcd"'])).toEqual(['2: hunter2Abcd -> hunter2Abcd (password)']);
    // No line of another source is taken, whatever it holds; a fourth closes.
    expect(marked(['web-1     | - name: SECRET_KEY', 'db-1      |   value: other-service-value'])).toEqual([]);
    expect(marked(['2024-05-01T10:00:00Z - name: DB_PASSWORD', '  value: no-prefix-here'])).toEqual([]);
    expect(marked(['- name: DB_PASSWORD', '2024-05-01T10:00:00Z   value: prefixed-here'])).toEqual([]);
    expect(marked(['[build] machine api.example.com', '[test]   password Zq8v!pL2mN0x#Rt5'])).toEqual([]);
    expect(marked(['web-1  | - name: DB_PASSWORD', 'db-1   | a', 'db-1   | b', 'db-1   | c', 'web-1  |   value: three-between'])).toEqual(['4: three-between -> three-between (*_password)']);
    expect(marked(['web-1  | - name: DB_PASSWORD', 'db-1   | a', 'db-1   | b', 'db-1   | c', 'db-1   | d', 'web-1  |   value: four-between'])).toEqual([]);
    // The column counts after the prefix.
    expect(marked(['2024-05-01T10:00:00Z - name: DB_PASSWORD', '2024-05-01T10:00:00Z     value: deeper'])).toEqual([]);
    // A prefix's state carries across batches as any other.
    const state = after(['web-1     | - name: SECRET_KEY']);
    expect(state).toMatchObject({ kind: 'name', prefix: 'web-1     | ' });
    expect(marked(['web-1     |   value: 9fj3Kd8sL2mQ'], state)).toEqual(['0: 9fj3Kd8sL2mQ -> 9fj3Kd8sL2mQ (secret_key)']);
    expect(marked(['db-1      |   value: 9fj3Kd8sL2mQ'], state)).toEqual([]);
    expect(after(['db-1      | x'], state)).toMatchObject({ kind: 'name', foreign: 1 });
  });

  it('marks the string on the line after a key that names it: PHP var_dump, a Rust struct printed with {:#?}, a YAML key alone', () => {
    const varDump = ['array(2) {', '  ["user"]=>', '  string(5) "alice"', '  ["password"]=>', '  string(15) "Zq8v!pL2mN0xRt5"', '}'];
    expect(marked(varDump)).toEqual(['4: Zq8v!pL2mN0xRt5 -> Zq8v!pL2mN0xRt5 (password)']);
    expect(marked(['object(App\\User)#1 (2) {', '  ["token":protected]=>', '  string(16) "9fj3Kd8sL2mQ7hhY"', '  ["secret":"App\\User":private]=>', '  string(4) "a"b"'])).toEqual([
      '2: 9fj3Kd8sL2mQ7hhY -> 9fj3Kd8sL2mQ7hhY (token)',
      '4: a"b -> a"b (secret)',
    ]);
    const debug = ['Config {', '    db_host: "db.internal",', '    password: Some(', '        "Zq8v!pL2mN0xRt5",', '    ),', '    api_token: Some(', '        Secret(', '            "9fj3\\"Kd8",', '        ),', '    ),', '    name: Some(', '        "not-secret",', '    ),', '}'];
    expect(marked(debug)).toEqual(['3: Zq8v!pL2mN0xRt5 -> Zq8v!pL2mN0xRt5 (password)', '7: 9fj3\\"Kd8 -> 9fj3"Kd8 (*_token)']);
    // Xdebug's var_dump.
    expect(marked(['array(2) {', "  'password' =>", '  string(11) "hunter2Abcd"', '  protected $token =>', '  string(16) "9fj3Kd8sL2mQ7hhY"'])).toEqual([
      '2: hunter2Abcd -> hunter2Abcd (password)',
      '4: 9fj3Kd8sL2mQ7hhY -> 9fj3Kd8sL2mQ7hhY (token)',
    ]);
    // A YAML number under a key that takes numbers.
    expect(marked(['  pin_code:', '    4921'])).toEqual(['1: 4921 -> 4921 (pin_code)']);
    expect(marked(['credentials:', '  password:', '    Zq8v!pL2mN0xRt5', '  user:', '    alice', '  token:', "    '9fj3Kd8sL2mQ7hhY'  # rotated"])).toEqual([
      '2: Zq8v!pL2mN0xRt5 -> Zq8v!pL2mN0xRt5 (password)',
      '6: 9fj3Kd8sL2mQ7hhY -> 9fj3Kd8sL2mQ7hhY (token)',
    ]);
  });

  it('takes no line after a key line that is not its value alone', () => {
    for (const [key, next] of [
      ['  ["password"]=>', '  int(1234)'],
      ['  ["password"]=>', '    string(4) "abcd"'],
      ['  ["password"]=>', '  string(4) "abcd" tail'],
      ['    password: Some(', '    "same column",'],
      ['    password: Some(', '        "two", "values",'],
      ['    password: Some(', '        42,'],
      ['  password:', '    min_length: 8'],
      ['  password:', '  - a'],
      ['  password:', '    - a'],
      ['  password:', '  same-column'],
      ['  password:', '    |'],
      ['  password:', '    [a, b]'],
      ['  password:', '    ends with a colon:'],
      ['  password:#not-a-comment', '    hunter2hunter2'],
      ['  host:', '    db.internal'],
      ['Caused by:', '    java.lang.IllegalStateException'],
      // A sentence under a heading that ends in a colon.
      ['passwords:', '    In order to avoid the need to type in the password for scp each time, you'],
      ['Token:', '    The token used to authenticate requests.'],
      ["  'password' =>", '    string(4) "abcd"'],
    ]) {
      expect(marked([key as string, next as string]), `${key} / ${next}`).toEqual([]);
    }
    // Three wrappers inside the key line's at most.
    expect(marked(['  password: Some(', '    A(', '      B(', '        C(', '          D(', '            "deep",'])).toEqual([]);
    expect(marked(['  password: Some(', '    A(', '      B(', '        C(', '          "deep",'])).toEqual(['4: deep -> deep (password)']);
  });

  it('writes a var_dump string again with its new length', () => {
    expect(encodeFor('var_dump', '[[PASSWORD]]')).toBe('string(12) "[[PASSWORD]]"');
    expect(encodeFor('var_dump', 'pässword')).toBe('string(9) "pässword"');
    expect(encodeFor('var_dump', 'a\nb')).toBe('string(4) "a\\nb"');
    expect(quotedSpan('var_dump', 13, 18, { start: 2, end: 19 })).toEqual({ start: 2, end: 19 });
  });

  it('reads a trailing comment, comment lines, sibling members and a second value member as the structured path reads the object', () => {
    // A plain scalar ends at ` #`; a comment after a quoted one; `#` inside a plain scalar is its own.
    expect(marked(['  - name: DB_PASSWORD', '    value: hunter2-x # rotated monthly'])).toEqual(['1: hunter2-x -> hunter2-x (*_password)']);
    expect(marked(['  - name: DB_PASSWORD', "    value: 'it''s'   # note"])).toEqual(["1: it''s -> it's (*_password)"]);
    expect(marked(['  - name: DB_PASSWORD', '    value: a#b#c'])).toEqual(['1: a#b#c -> a#b#c (*_password)']);
    // Comment lines are passed over like blank ones, in a netrc entry too.
    expect(marked(['  - name: DB_PASSWORD', '    # from vault', '', '    value: hunter2-x'])).toEqual(['3: hunter2-x -> hunter2-x (*_password)']);
    expect(marked(['machine a.example.com', '  # the backup account', '  login bob', '  password p4ss-w0rd'])).toEqual(['3: p4ss-w0rd -> p4ss-w0rd (password)']);
    // An audit event's old and new values; Azure's slotSetting and SSM's Type between name and value.
    expect(marked(['  - name: DB_PASSWORD', '    old: first-s3cret', '    new: second-s3cret'])).toEqual(['1: first-s3cret -> first-s3cret (*_password)', '2: second-s3cret -> second-s3cret (*_password)']);
    expect(marked(['    "name": "DB_PASSWORD",', '    "oldValue": "first-s3cret",', '    "newValue": "second-s3cret"'])).toEqual([
      '1: first-s3cret -> first-s3cret (*_password)',
      '2: second-s3cret -> second-s3cret (*_password)',
    ]);
    expect(marked(['    "name": "DB_PASSWORD",', '    "slotSetting": false,', '    "value": "d0Vnw-s3cret"'])).toEqual(['2: d0Vnw-s3cret -> d0Vnw-s3cret (*_password)']);
    expect(marked(['  - Name: /prod/db_password', '    Type: SecureString', '    Version: 3', '    Value: d0Vnw-s3cret'])).toEqual(['3: d0Vnw-s3cret -> d0Vnw-s3cret (value)']);
    // At most four siblings; at most six member lines in all.
    expect(marked(['  - name: DB_PASSWORD', ...['a: 1', 'b: 2', 'c: 3', 'd: 4', 'e: 5'].map((l) => '    ' + l), '    value: x-s3cret'])).toEqual([]);
    // A conditional rule: a HAR cookie named session is a SESSION_ID, one named theme nothing.
    expect(marked(['        "name": "session",', '        "value": "eyJ1c2VyIjoxfQ.abc"'])).toEqual(['1: eyJ1c2VyIjoxfQ.abc -> eyJ1c2VyIjoxfQ.abc (value)']);
    expect(marked(['        "name": "theme",', '        "value": "dark"'])).toEqual([]);
  });

  it('writes a replacement as the value was written: escaped in its quotes, a number as a string, a dropped value as an empty string', () => {
    /** `value` (the second line, after `name`) with its value replaced by `replaced`. */
    const edited = (name: string, value: string, replaced: string): string => {
      const data = Buffer.from(`${name}\n${value}\n`);
      const span = namedValues(data, lineEnds(data), undefined, policy)?.lines.get(1)?.[0];
      if (!span) throw new Error(`no value in ${value}`);
      const { start, end } = quotedSpan(span.quoting, span.start, span.end);
      return value.slice(0, start) + encodeFor(span.quoting, replaced) + value.slice(end);
    };
    const json = '    "name": "DB_PASSWORD",';
    const yaml = '  - name: DB_PASSWORD';
    // A partial mask keeps an escape's characters: they are escaped again, no line end written raw.
    expect(edited(json, '    "value": "ab\\"cd\\nef",', 'ab"**\n*f')).toBe('    "value": "ab\\"**\\n*f",');
    expect(JSON.parse(`{${edited(json, '    "value": "ab\\"cd\\nef"', 'ab"**\n*f')}}`)).toEqual({ value: 'ab"**\n*f' });
    expect(edited(yaml, '    value: "ab\\ncd"', 'a\n**d')).toBe('    value: "a\\n**d"');
    expect(edited(yaml, "    value: 'it''s-x'  # note", "it's**")).toBe("    value: 'it''s**'  # note");
    expect(edited(yaml, "    value: 'it''s-x'", 'a\nb')).toBe('    value: "a\\nb"');
    // A JSON number becomes a string; a plain scalar stays plain when it reads back the same.
    expect(edited(json, '    "value": 12345678,', '12***678')).toBe('    "value": "12***678",');
    expect(edited(yaml, '    value: hunter2real # x', 'hu******eal')).toBe('    value: hu******eal # x');
    expect(edited(yaml, '    value: hunter2real', '[[PASSWORD]]')).toBe('    value: "[[PASSWORD]]"');
    expect(edited(yaml, '    value: hunter2real', 'a #b')).toBe('    value: "a #b"');
    // drop-field: the member's line stays, holding an empty string.
    expect(edited(json, '    "value": 12345678,', '')).toBe('    "value": "",');
    expect(edited(yaml, '    value: hunter2real', '')).toBe('    value: ""');
    expect(edited(yaml, "    value: 'x-s3cret'", '')).toBe('    value: ""');
  });

  it('keeps each line one valid line when a partial mask or a dropped field replaces the value', async () => {
    const lines = ['    "name": "DB_PASSWORD",', '    "value": "ab\\"cd\\nef\\u0022gh",', '    "name": "DB_PASSWORD",', '    "value": 12345678,', '  - name: DB_PASSWORD', "    value: 'it''s-a-s3cret'"];
    const input = lines.join('\n') + '\n';
    for (const action of [{ type: 'partial', keepFirst: 2, keepLast: 2, maskChar: '*' }, { type: 'drop-field' }] as ActionSpec[]) {
      const spec = loadPolicy([builtinPatternsDir()]);
      const packs = spec.packs.map((p) => ({ ...p, keyRules: p.keyRules.map((r) => (r.label === 'PASSWORD' ? { ...r, action } : r)) }));
      const r = await runEngine(input, { policy: new CompiledPolicy({ ...spec, packs }, { maxDepth: LIMITS.maxDepth }) });
      const out = r.output.split('\n').slice(0, -1);
      expect(out, action.type).toHaveLength(lines.length);
      expect(r.summary).toMatchObject({ recordsIn: 6, appOut: 6, findings: { 'key:*_password': 3 } });
      // The JSON members parse, as strings; the YAML one stays single-quoted or becomes an empty string.
      expect(JSON.parse(`{${out[1] as string}"x":0}`).value).toBe(action.type === 'partial' ? 'ab*******gh' : '');
      expect(JSON.parse(`{${out[3] as string}"x":0}`).value).toBe(action.type === 'partial' ? '12****78' : '');
      expect(out[5]).toBe(action.type === 'partial' ? "    value: 'it*********et'" : '    value: ""');
    }
  });

  it('opens a netrc entry at a `default` line that ends with CRLF', () => {
    expect(marked(['default\r', '  login bob\r', '  password adc4vAzKr0ix\r'])).toEqual(['2: adc4vAzKr0ix -> adc4vAzKr0ix (password)']);
  });

  it('takes no word of prose for a netrc value', () => {
    for (const word of ['expired', 'changed', 'rotated', 'reset', 'required']) {
      expect(marked(['default', `password ${word}`]), word).toEqual([]);
      expect(marked(['machine a.example.com', `  login bob`, `  password ${word}`]), word).toEqual([]);
    }
  });

  it('reads a long value after its name, and takes no long line for a name or a netrc line', () => {
    const long = 'v'.repeat(10_000);
    expect(marked(['  - name: DB_PASSWORD', `    value: ${long}`])).toEqual([`1: ${long} -> ${long} (*_password)`]);
    expect(marked([`  - name: DB_${'X'.repeat(5000)}_PASSWORD`, '    value: x'])).toEqual([]);
    expect(after(['machine a.example.com', `  password ${long}`])).toBeUndefined();
    expect(marked(['machine a.example.com', `  login ${long}`, '  password p'])).toEqual([]);
  });

  it('reads a Terraform plan: an HCL name and value, a change marker before either, and both values of a change', () => {
    const plan = [
      '                      ~ {',
      '                            name  = "DB_PASSWORD"',
      '                          ~ value = "Tr0ub4dor-old" -> "s3cr3t-Pa55!new" # forces replacement',
      '                        },',
      '                      + {',
      '                          + name  = "API_TOKEN"',
      '                          + value = "f8Jq2LmX9vR4tYp7Zs1K"',
      '                        },',
      '                      - {',
      '                          - name  = "SMTP_PASSWORD"',
      '                          - value = "oldSmtp-9x" -> null',
      '                        },',
      '                      -/+ {',
      '                          -/+ name  = "PIN_CODE"',
      '                          -/+ value = 4921',
    ];
    expect(marked(plan)).toEqual([
      '2: Tr0ub4dor-old -> Tr0ub4dor-old (*_password)',
      '2: s3cr3t-Pa55!new -> s3cr3t-Pa55!new (*_password)',
      '6: f8Jq2LmX9vR4tYp7Zs1K -> f8Jq2LmX9vR4tYp7Zs1K (*_token)',
      '10: oldSmtp-9x -> oldSmtp-9x (*_password)',
      '14: 4921 -> 4921 (pin_code)',
    ]);
    // An SSM parameter named by a path answers as its last part does.
    expect(marked(['      + name  = "/prod/vendor/api-key"', '      + type  = "String"', '      + value = "Tf-Vendor-Key-55"', '      + name  = "/prod/config/region"', '      + value = "eu-west-1"'])).toEqual([
      '2: Tf-Vendor-Key-55 -> Tf-Vendor-Key-55 (api-key)',
    ]);
    // What the plan prints in place of a value, and a name the rules leave.
    expect(marked(['    + name  = "DB_PASSWORD"', '    + value = (sensitive value)', '    ~ name  = "LOG_LEVEL"', '    ~ value = "debug" -> "info"'])).toEqual([]);
    // A comparison, Ruby's or PHP's `=>`, and text after the value are no HCL member.
    for (const next of ['      value == "x"', '      value => "x"', '      value = "x" + suffix', '      value = x']) expect(marked(['      name  = "DB_PASSWORD"', next])).toEqual([]);
  });

  it('reads the lines of a unified diff, its + or - marker in the first column read as a blank', async () => {
    const diff = [
      '         - name: DB_PASSWORD',
      '-          value: Tr0ub4dorOld3x',
      '+          value: s3cr3tPa55New',
      '+',
      '+        - name: STRIPE_SECRET',
      '+          value: "qK8vLm2ZpX9rT4wY"',
      '-      - name: SMTP_PASSWORD',
      '-        value: oldSmtpPw9x',
      '-    "name": "API_PASSWORD",',
      '-    "value": "jsonOldPw7"',
      '+  db_password:',
      '+    plainNextLinePw',
    ];
    expect(marked(diff)).toEqual([
      '1: Tr0ub4dorOld3x -> Tr0ub4dorOld3x (*_password)',
      '2: s3cr3tPa55New -> s3cr3tPa55New (*_password)',
      '5: qK8vLm2ZpX9rT4wY -> qK8vLm2ZpX9rT4wY (*_secret)',
      '7: oldSmtpPw9x -> oldSmtpPw9x (*_password)',
      '9: jsonOldPw7 -> jsonOldPw7 (*_password)',
      '11: plainNextLinePw -> plainNextLinePw (*_password)',
    ]);
    // Through the engine: both values of a plan's change replaced in their line, the markers kept.
    const r = await runEngine(['      name  = "DB_PASSWORD"', '    ~ value = "Tr0ub4dor-old" -> "s3cr3t-Pa55!new"', '   - name: DB_PASSWORD', '-    value: Tr0ub4dorOld3x', ''].join('\n'));
    expect(r.output).not.toMatch(/Tr0ub4dor|s3cr3t/);
    expect(r.output).toMatch(/^ {4}~ value = "\[\[PASSWORD[^\]]*\]\]" -> "\[\[PASSWORD[^\]]*\]\]"\n.*\n- {4}value: "\[\[PASSWORD/m);
    expect(r.summary).toMatchObject({ recordsIn: 4, appOut: 4, findings: { 'key:*_password': 3 } });
    // A YAML list's dash is no marker: a value member after a dash is another item's.
    expect(marked(['- name: DB_PASSWORD', '- value: Tr0ub4dorOld3x'])).toEqual([]);
    expect(marked(['- name: DB_PASSWORD', '  value: Tr0ub4dorOld3x'])).toEqual(['1: Tr0ub4dorOld3x -> Tr0ub4dorOld3x (*_password)']);
  });

  it('marks nothing and reads one byte a line in a batch with no name, entry or open state', () => {
    const data = Buffer.from('{"name":"DB_PASSWORD","value":"x"}\nGET /health 200\n\tat com.acme.App.main(App.java:12)\n');
    expect(namedValues(data, lineEnds(data), undefined, policy)).toBeUndefined();
  });

  it('marks the same lines whatever the batches are cut at, with the state the batcher carries', () => {
    const vocabulary = [
      '        - name: SMTP_PASSWORD',
      '        - name: SMTP_HOST',
      '          value: dIo3VPGvQieeh',
      '    "name": "DB_PASSWORD",',
      '    "value": "d0VnwVvByQ1zs",',
      'machine ftp.acme-corp.io',
      'default login x',
      '  login backup',
      '  password adc4vAzKr0ix',
      '  account ops',
      '  password expired',
      '',
      '    # a comment',
      '          # a comment',
      '          image: app:1.2',
      '          old: first-s3cret',
      '          new: second-s3cret',
      '    "slotSetting": false,',
      '    "newValue": "d0VnwVvByQ1zs",',
      '    "name": "session",',
      '    "value": "eyJ1c2VyIjoxfQ.abc",',
      'GET /health 200',
      // Longer than a line that names a value may be; a value line may be.
      `        - name: X${'_'.repeat(4096)}PASSWORD`,
      `  password ${'p'.repeat(4096)}`,
      `          value: ${'v'.repeat(4096)}`,
      '2024-05-01T10:00:00.1Z - name: DB_PASSWORD',
      '2024-05-01T10:00:00.12Z   value: d0VnwVvByQ1zs',
      '2024-05-01T10:00:00Z',
      'web-1  |   value: d0VnwVvByQ1zs',
      'web-1  | - name: API_TOKEN',
      'db-1   |   value: d0VnwVvByQ1zs',
      '[build]   password adc4vAzKr0ix',
      '[build] machine ftp.acme-corp.io',
      'db-1   | LOG: checkpoint',
      'web-1  | 2024-05-01T10:00:00.1Z - name: DB_PASSWORD',
      'web-1  | 2024-05-01T10:00:01Z   value: d0VnwVvByQ1zs',
      '  ["password"]=>',
      '  string(4) "abcd"',
      '    password: Some(',
      '        Secret(',
      '        "Zq8v!pL2mN0xRt5",',
      '            "Zq8v!pL2mN0xRt5",',
      '  token:',
      '    9fj3Kd8sL2mQ7hhY',
      '                            name  = "DB_PASSWORD"',
      '                          ~ value = "Tr0ub4dor-old" -> "s3cr3t-Pa55!new"',
      '                          + value = "f8Jq2LmX9vR4tYp7Zs1K"',
      '+        - name: STRIPE_SECRET',
      '-          value: Tr0ub4dorOld3x',
      '+',
      '+  db_password:',
    ];
    expectSameMarksAtEveryCut(vocabulary, 16, marked, after);
  });
});

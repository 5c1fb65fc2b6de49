import { describe, expect, it } from 'vitest';
import { prefixLength, prefixShape } from '../../../src/pipeline/log-prefix.js';

/** The prefix of `line` and its shape, as `prefix|shape`, or '' for none. */
function prefixOf(line: string): string {
  const data = Buffer.from(line, 'latin1');
  const n = prefixLength(data, 0, data.length);
  return n === 0 ? '' : `${line.slice(0, n)}|${prefixShape(data, 0, n)}`;
}

describe('log prefixes', () => {
  it('reads the prefixes line-capturing tools write, the one blank after each included', () => {
    expect(prefixOf('2024-05-01T10:00:00.1234567Z   value: x')).toBe('2024-05-01T10:00:00.1234567Z |0-0-0T0:0:0Z ');
    expect(prefixOf('2024-05-01T10:00:01.1Z - name: X')).toBe('2024-05-01T10:00:01.1Z |0-0-0T0:0:0Z ');
    // RFC3339Nano leaves a fraction that is 0 out: the shape is the same.
    expect(prefixOf('2024-05-01T10:00:01Z - name: X')).toBe('2024-05-01T10:00:01Z |0-0-0T0:0:0Z ');
    expect(prefixOf('2024-05-01 10:00:00,123 INFO x')).toBe('2024-05-01 10:00:00,123 |0-0-0 0:0:0 ');
    expect(prefixOf('2024-05-01T10:00:00+02:00\tx')).toBe('2024-05-01T10:00:00+02:00\t|0-0-0T0:0:0+0:0\t');
    expect(prefixOf('2024-05-01T10:00:00.123456789Z stdout F   value: x')).toBe('2024-05-01T10:00:00.123456789Z stdout F |0-0-0T0:0:0Z stdout F ');
    expect(prefixOf('[2024-05-01T10:00:00.000Z]   value: x')).toBe('[2024-05-01T10:00:00.000Z] |[0-0-0T0:0:0Z] ');
    // Syslog: a day padded with a blank, journald's short-precise fraction, its short-iso host and tag.
    expect(prefixOf('Dec  7 01:00:00 ip-10-0-0-1 app[123]:   value: x')).toBe('Dec  7 01:00:00 ip-10-0-0-1 app[123]: |a 0 0:0:0 ip-10-0-0-1 app[123]: ');
    expect(prefixOf('Dec 10 01:00:00 ip-10-0-0-1 app[123]:   value: x')).toBe('Dec 10 01:00:00 ip-10-0-0-1 app[123]: |a 0 0:0:0 ip-10-0-0-1 app[123]: ');
    // A month's name is folded too: a day and a month roll over in one shape.
    expect(prefixOf('Nov 30 23:59:59 host app[1]: x').split('|')[1]).toBe(prefixOf('Dec  1 00:00:00 host app[1]: x').split('|')[1]);
    expect(prefixOf('May 01 10:00:00.123456 host app[1]: - name: X')).toBe('May 01 10:00:00.123456 host app[1]: |a 0 0:0:0 host app[1]: ');
    expect(prefixOf('2024-05-01T10:00:00+0000 host app[1]: - name: X')).toBe('2024-05-01T10:00:00+0000 host app[1]: |0-0-0T0:0:0+0 host app[1]: ');
    expect(prefixOf('web-1     |   value: x')).toBe('web-1     | |web-1     | ');
    expect(prefixOf('[build]   password x')).toBe('[build] |[build] ');
    expect(prefixOf('[pod/web-7d9f/app] - name: X')).toBe('[pod/web-7d9f/app] |[pod/web-7d9f/app] ');
    // Prefixes one after another: docker compose logs -t, kubectl logs --prefix --timestamps.
    expect(prefixOf('web-1  | 2024-05-01T10:00:00.123456789Z - name: X')).toBe('web-1  | 2024-05-01T10:00:00.123456789Z |web-1  | 0-0-0T0:0:0Z ');
    expect(prefixOf('[pod/web/app] 2024-05-01T10:00:00.1Z [INFO] - name: X')).toBe('[pod/web/app] 2024-05-01T10:00:00.1Z [INFO] |[pod/web/app] 0-0-0T0:0:0Z [INFO] ');
    // A bracketed tag that is a time has its digits folded too; another keeps them.
    expect(prefixOf('[Sun Dec 04 04:47:44 2005] [error] x')).toBe('[Sun Dec 04 04:47:44 2005] [error] |[a a 0 0:0:0 0] [error] ');
    expect(prefixOf('[worker-2] x')).toBe('[worker-2] |[worker-2] ');
    // A prefix alone on its line (a blank line of the program's output).
    expect(prefixOf('2024-05-01T10:00:00Z')).toBe('2024-05-01T10:00:00Z|0-0-0T0:0:0Z');
  });

  it('takes no other line start for a prefix', () => {
    for (const line of [
      '  - name: DB_PASSWORD',
      '    "value": "x",',
      'machine api.example.com',
      '  password adc4vAzKr0ix',
      '2024-05-01T10:00:00Zvalue: x',
      '2024-05-01',
      '2024-05-01T10:00 x',
      '[not closed',
      '[] x',
      '[a|b] x',
      'Dec 7 01:00:00 host app: x',
      'Foo  7 01:00:00 host app: x',
      'Dec  7 01:00:00 host app x',
      'Dec  7 01:00:00 -host app: x',
      'Dec  7 01:00:00.x host app: x',
      'web-1 x | y',
      '| a | b |',
      `${'w'.repeat(100)} | x`,
      '',
    ]) {
      expect(prefixOf(line), line).toBe('');
    }
  });
});

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatProgress, openProgress, perSecond, PROGRESS_INTERVAL_MS, ProgressDisplay, totalInputBytes } from '../../../src/cli/progress.js';
import { tempDir } from '../../helpers/keys.js';

/** A terminal that records what is drawn on it. */
class FakeTty extends Writable {
  readonly isTTY: boolean;
  readonly columns = 200;
  text = '';
  constructor(isTTY = true) {
    super();
    this.isTTY = isTTY;
  }
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
  asStream(): NodeJS.WriteStream {
    return this as unknown as NodeJS.WriteStream;
  }
}

const counts = (recordsIn: number, bytesIn: number, findings: Record<string, number> = {}) => ({
  recordsIn,
  bytesIn,
  findingsByDetector: new Map(Object.entries(findings)),
});

describe('perSecond', () => {
  it('is count per elapsed second, and 0 before any time has passed', () => {
    expect(perSecond(500, 250)).toBe(2000);
    expect(perSecond(3_000_000, 2000)).toBe(1_500_000);
    expect(perSecond(10, 0)).toBe(0);
  });
});

describe('formatProgress', () => {
  it('shows bar, percentage, bytes of total, records/s, MB/s and findings for sized inputs', () => {
    const line = formatProgress({ bytes: 12_600_000, totalBytes: 30_000_000, records: 241_000, findings: 1532, elapsedMs: 2000 });
    expect(line).toBe('[########------------]  42% 12.6/30.0 MB  120.5k rec/s  6.3 MB/s  findings 1532');
  });

  it('leaves out bar and percentage when the total is unknown (stdin)', () => {
    const line = formatProgress({ bytes: 5_000_000, totalBytes: undefined, records: 900, findings: 0, elapsedMs: 1000 });
    expect(line).toBe('5.0 MB  900 rec/s  5.0 MB/s  findings 0');
  });

  it('fills the bar only at 100% and never past it, even if a file grew while being read', () => {
    expect(formatProgress({ bytes: 999, totalBytes: 1000, records: 1, findings: 0, elapsedMs: 1 })).toMatch(/^\[#{19}-\] {2}99% /);
    expect(formatProgress({ bytes: 1500, totalBytes: 1000, records: 1, findings: 0, elapsedMs: 1 })).toMatch(/^\[#{20}\] 100% /);
  });

  it('shows zero rates at the very start rather than dividing by zero', () => {
    expect(formatProgress({ bytes: 0, totalBytes: 10, records: 0, findings: 0, elapsedMs: 0 })).toContain('0 rec/s  0.0 MB/s');
  });

  it('uses compact units for large record rates', () => {
    expect(formatProgress({ bytes: 0, totalBytes: undefined, records: 2_500_000, findings: 0, elapsedMs: 1000 })).toContain('2.5M rec/s');
    expect(formatProgress({ bytes: 0, totalBytes: undefined, records: 9_999, findings: 0, elapsedMs: 1000 })).toContain('9999 rec/s');
  });
});

describe('ProgressDisplay', () => {
  it(`redraws at most every ${PROGRESS_INTERVAL_MS} ms of its clock, from the running counts`, () => {
    const tty = new FakeTty();
    let now = 0;
    const display = new ProgressDisplay({ stream: tty.asStream(), totalBytes: 4_000_000, now: () => now });
    now = 1000;
    display.update(counts(1000, 1_000_000, { email: 3, ipv4: 4 }));
    now = 1000 + PROGRESS_INTERVAL_MS / 2;
    display.update(counts(2000, 2_000_000, { email: 90 })); // too soon: not taken
    display.stop();
    // stop() draws the last line taken, then erases it.
    expect(tty.text).toContain('[#####---------------]  25% 1.0/4.0 MB  1000 rec/s  1.0 MB/s  findings 7');
    expect(tty.text).not.toContain('findings 90');
    expect(tty.text.endsWith('\x1b[2K')).toBe(true);
  });

  it('takes an update again once the interval has passed, and none after stop', () => {
    const tty = new FakeTty();
    let now = 0;
    const display = new ProgressDisplay({ stream: tty.asStream(), totalBytes: undefined, now: () => now });
    display.update(counts(1, 1));
    now = PROGRESS_INTERVAL_MS;
    display.update(counts(500, 2_000_000, { email: 12 }));
    display.stop();
    expect(tty.text).toContain('2.0 MB  5000 rec/s  20.0 MB/s  findings 12');
    const after = tty.text;
    now = 10 * PROGRESS_INTERVAL_MS;
    display.update(counts(9, 9));
    display.stop();
    expect(tty.text).toBe(after);
  });

  it('prints problem lines whole, on their own line, and keeps drawing after them', () => {
    const tty = new FakeTty();
    const display = new ProgressDisplay({ stream: tty.asStream(), totalBytes: 100, now: () => 0 });
    display.log('logveil: input.log:3 INVALID_UTF8: invalid UTF-8 at byte 7; record quarantined');
    display.stop();
    expect(tty.text).toContain('\x1b[2Klogveil: input.log:3 INVALID_UTF8: invalid UTF-8 at byte 7; record quarantined\n');
    const afterMessage = tty.text.slice(tty.text.indexOf('quarantined\n'));
    expect(afterMessage).toContain('[--------------------]   0%');
  });
});

describe('openProgress', () => {
  const base = { enabled: true, files: [], stdout: new FakeTty(false).asStream(), outputIsStdout: true };

  it('shows nothing when stderr is not a terminal, or with --no-progress', async () => {
    expect(await openProgress({ ...base, stderr: new FakeTty(false).asStream() })).toBeUndefined();
    expect(await openProgress({ ...base, enabled: false, stderr: new FakeTty().asStream() })).toBeUndefined();
  });

  it('shows nothing when the redacted lines go to the same terminal', async () => {
    expect(await openProgress({ ...base, stdout: new FakeTty().asStream(), stderr: new FakeTty().asStream() })).toBeUndefined();
  });

  it('draws on a terminal stderr when the output goes elsewhere', async () => {
    const stderr = new FakeTty();
    const display = await openProgress({ ...base, stdout: new FakeTty().asStream(), outputIsStdout: false, stderr: stderr.asStream() });
    expect(display).toBeInstanceOf(ProgressDisplay);
    display?.stop();
    expect(stderr.text).toContain('findings 0');
  });
});

describe('totalInputBytes', () => {
  it('sums the sizes of regular files, and is unknown for stdin, a missing file or a directory', async () => {
    const dir = tempDir('logveil-progress-');
    writeFileSync(join(dir, 'a.log'), 'x'.repeat(1000));
    writeFileSync(join(dir, 'b.log'), 'y'.repeat(234));
    expect(await totalInputBytes([join(dir, 'a.log'), join(dir, 'b.log')])).toBe(1234);
    expect(await totalInputBytes([])).toBeUndefined();
    expect(await totalInputBytes([join(dir, 'a.log'), join(dir, 'missing.log')])).toBeUndefined();
    expect(await totalInputBytes([dir])).toBeUndefined();
  });
});

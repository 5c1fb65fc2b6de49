/**
 * The progress line of `logveil redact` on a terminal: bytes done (of the total when every input is
 * a regular file), records/s, MB/s and findings so far. Only on a TTY: piped or redirected stderr
 * gets the plain summary alone, so logs of a run stay free of control codes.
 *
 * The line is built by {@link formatProgress}, a pure function of counts and elapsed time;
 * `cli-progress` only draws it (line clearing, frame rate, terminal width).
 */
import { stat } from 'node:fs/promises';
import { SingleBar } from 'cli-progress';

/** What the progress line shows: running counts and the time since the run started. */
export interface ProgressSnapshot {
  bytes: number;
  /** Sum of the input files' sizes; unknown for stdin, pipes and devices. */
  totalBytes: number | undefined;
  records: number;
  findings: number;
  elapsedMs: number;
}

/** Counts the engine's `onProgress` passes (an `Accounting`); structural, so tests need no engine. */
export interface ProgressCounts {
  bytesIn: number;
  recordsIn: number;
  readonly findingsByDetector: ReadonlyMap<string, number>;
}

const BAR_WIDTH = 20;
/** Redraws at most this often: the engine reports after every batch, which can be thousands a second. */
export const PROGRESS_INTERVAL_MS = 100;

/** Decimal megabytes, as in "MB/s". */
function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/** A rate per second, or 0 before any time has passed (the first report can come at 0 ms). */
export function perSecond(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (count * 1000) / elapsedMs : 0;
}

function compact(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

/**
 * One progress line, e.g.
 * `[########------------]  42% 12.6/30.0 MB  120.5k rec/s  48.2 MB/s  findings 1532`.
 * Without a known total the bar and percentage are left out. Kept within 80 columns for
 * everyday numbers; cli-progress trims it to the terminal's width anyway.
 */
export function formatProgress(p: ProgressSnapshot): string {
  const parts: string[] = [];
  if (p.totalBytes !== undefined && p.totalBytes > 0) {
    const fraction = Math.min(1, p.bytes / p.totalBytes);
    // Floor both, so the bar is only full when the percentage reads 100.
    const filled = Math.floor(fraction * BAR_WIDTH);
    parts.push(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${mb(p.bytes)}/${mb(p.totalBytes)} MB`);
  } else {
    parts.push(`${mb(p.bytes)} MB`);
  }
  parts.push(`${compact(perSecond(p.records, p.elapsedMs))} rec/s`);
  parts.push(`${mb(perSecond(p.bytes, p.elapsedMs))} MB/s`);
  parts.push(`findings ${p.findings}`);
  return parts.join('  ');
}

/** Total size of the inputs when all are regular files; `undefined` for stdin or anything unsized. */
export async function totalInputBytes(files: readonly string[]): Promise<number | undefined> {
  if (files.length === 0) return undefined;
  try {
    const stats = await Promise.all(files.map((f) => stat(f)));
    return stats.every((s) => s.isFile()) ? stats.reduce((n, s) => n + s.size, 0) : undefined;
  } catch {
    // The engine reports missing or unreadable inputs itself; the display just goes without a total.
    return undefined;
  }
}

/** Where the line is drawn: a TTY stream such as `process.stderr`. */
export interface ProgressOptions {
  stream: NodeJS.WriteStream;
  totalBytes: number | undefined;
  /** Milliseconds, monotonic; injectable so tests control time. */
  now?: () => number;
}

/**
 * A live progress line, fed from the engine's `onProgress`. {@link ProgressDisplay.stop} erases it;
 * call it before printing the summary, and on error too (the bar holds a timer).
 */
export class ProgressDisplay {
  readonly #bar: SingleBar;
  readonly #stream: NodeJS.WriteStream;
  readonly #totalBytes: number | undefined;
  readonly #now: () => number;
  readonly #started: number;
  #lastDraw = Number.NEGATIVE_INFINITY;
  #line = '';
  #active = true;

  constructor(options: ProgressOptions) {
    this.#stream = options.stream;
    this.#totalBytes = options.totalBytes;
    this.#now = options.now ?? (() => performance.now());
    this.#started = this.#now();
    this.#bar = new SingleBar({
      stream: options.stream,
      format: () => this.#line,
      fps: 1000 / PROGRESS_INTERVAL_MS,
      clearOnComplete: true,
      hideCursor: false,
      linewrap: true,
      // cli-progress would catch SIGINT/SIGTERM to stop the bar and thereby keep Ctrl-C from ending the run.
      gracefulExit: false,
    });
    this.#line = this.#format({ bytesIn: 0, recordsIn: 0, findingsByDetector: new Map() });
    this.#bar.start(1, 0);
  }

  /** Takes the running counts; redraws at most every {@link PROGRESS_INTERVAL_MS}. */
  update(counts: ProgressCounts): void {
    if (!this.#active) return;
    const now = this.#now();
    if (now - this.#lastDraw < PROGRESS_INTERVAL_MS) return;
    this.#lastDraw = now;
    this.#line = this.#format(counts, now);
    this.#bar.update(0);
  }

  /**
   * Writes a whole line (a problem report) above the progress line. The bar is stopped and started
   * again around it: cli-progress restores a saved cursor position on stop, which would otherwise
   * point at a line the message has since taken.
   */
  log(line: string): void {
    if (this.#active) this.#bar.stop();
    this.#stream.write(line.endsWith('\n') ? line : `${line}\n`);
    if (this.#active) this.#bar.start(1, 0);
  }

  /** Erases the line and stops the bar's timer; safe to call twice. */
  stop(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#bar.stop();
  }

  #format(counts: ProgressCounts, now = this.#now()): string {
    let findings = 0;
    for (const n of counts.findingsByDetector.values()) findings += n;
    return formatProgress({
      bytes: counts.bytesIn,
      totalBytes: this.#totalBytes,
      records: counts.recordsIn,
      findings,
      elapsedMs: now - this.#started,
    });
  }
}

/**
 * A progress display when it can help: enabled, stderr a terminal, and the redacted output not
 * going to that same terminal (the bar would be torn up by the lines). Sizes the inputs only then.
 */
export async function openProgress(options: {
  enabled: boolean;
  files: readonly string[];
  stderr: NodeJS.WriteStream;
  stdout: NodeJS.WriteStream;
  /** The redacted lines go to stdout (no `--out`, or `--out -`). */
  outputIsStdout: boolean;
}): Promise<ProgressDisplay | undefined> {
  if (!options.enabled || !options.stderr.isTTY) return undefined;
  if (options.outputIsStdout && options.stdout.isTTY) return undefined;
  return new ProgressDisplay({ stream: options.stderr, totalBytes: await totalInputBytes(options.files) });
}

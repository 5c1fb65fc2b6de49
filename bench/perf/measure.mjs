// @ts-check
/**
 * Timing. Every subject gets one warm-up (on a prefix of the corpus) and N timed rounds; the median
 * round is reported. A round has a deadline: a subject too slow to get through the corpus in the
 * round budget stops being fed there, and the rounds after it run on the prefix it reached, so a
 * slow subject costs a bounded time and its figure says it was measured on a sample.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { prefix } from './corpora.mjs';

/** @typedef {import('./corpora.mjs').Slice} Slice */
/** @typedef {import('./corpora.mjs').Corpus} Corpus */
/**
 * @typedef {object} RunResult
 * @property {number} bytes input bytes processed
 * @property {number} records lines processed
 * @property {boolean} [stoppedEarly] the deadline came first
 * @property {Record<string, unknown>} [detail]
 */
/**
 * @typedef {object} Subject
 * @property {string} id
 * @property {string} label
 * @property {string} group
 * @property {(slice: Slice, deadline: number) => Promise<RunResult>} run `deadline` in performance.now() ms
 * @property {string} [note]
 * @property {() => Promise<void>} [close] releases what the subject kept across its runs (a worker pool)
 */
/** @typedef {{ seconds: number, bytes: number, records: number, mbps: number, recordsPerSec: number, stoppedEarly: boolean, detail?: Record<string, unknown> }} Round */
/**
 * @typedef {object} Measurement
 * @property {string} id
 * @property {string} label
 * @property {string} group
 * @property {number} mbps median of the rounds, 10^6 bytes per second
 * @property {number} recordsPerSec median of the rounds
 * @property {number} seconds median round's wall time
 * @property {number} bytes input bytes of the median round
 * @property {number} corpusBytes
 * @property {boolean} sampled measured on a prefix of the corpus
 * @property {Round} warmup
 * @property {Round[]} rounds
 * @property {string} [interleavedWith] the ids of the subjects measured together with this one
 * @property {Record<string, unknown> | undefined} detail of the median round
 * @property {string | undefined} note
 * @property {number} load1 the machine's 1-minute load average when the measurement started
 * @property {number | null} othersCpuShare share of the machine's CPU other processes took during the
 *   timed rounds (null for child-process subjects, whose CPU this process cannot tell from others')
 */

const CHUNK = 1 << 20;

/**
 * The chunks of a file prefix until the deadline, counting what was handed out.
 * @param {Slice} slice @param {number} deadline @param {number} [highWaterMark] default: createReadStream's
 */
export function fileFeed(slice, deadline, highWaterMark) {
  const feed = {
    bytes: 0,
    stoppedEarly: false,
    /** @returns {AsyncGenerator<Buffer>} */
    async *chunks() {
      const stream = createReadStream(slice.path, { start: 0, end: slice.bytes - 1, ...(highWaterMark ? { highWaterMark } : {}) });
      for await (const chunk of stream) {
        if (performance.now() > deadline) {
          feed.stoppedEarly = true;
          break;
        }
        feed.bytes += chunk.length;
        yield /** @type {Buffer} */ (chunk);
      }
    },
  };
  return feed;
}

/**
 * Calls `onLine` with every line (without its `\n`) of a prefix, as a Buffer view.
 * @param {Slice} slice @param {number} deadline @param {(line: Buffer) => void} onLine @returns {Promise<RunResult>}
 */
export async function eachLineBuffer(slice, deadline, onLine) {
  const feed = fileFeed(slice, deadline, CHUNK);
  /** @type {Buffer} */
  let carry = Buffer.alloc(0);
  let records = 0;
  for await (const chunk of feed.chunks()) {
    const data = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let start = 0;
    for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a, start)) {
      onLine(data.subarray(start, nl));
      records += 1;
      start = nl + 1;
    }
    carry = data.subarray(start);
  }
  if (carry.length > 0) {
    onLine(carry);
    records += 1;
  }
  return { bytes: feed.bytes, records, stoppedEarly: feed.stoppedEarly };
}

/**
 * Calls `onLine` with every line of a prefix as a string (decoded a chunk at a time, cut at line ends).
 * @param {Slice} slice @param {number} deadline @param {(line: string) => void} onLine @returns {Promise<RunResult>}
 */
export async function eachLineString(slice, deadline, onLine) {
  const feed = fileFeed(slice, deadline, CHUNK);
  /** @type {Buffer} */
  let carry = Buffer.alloc(0);
  let records = 0;
  for await (const chunk of feed.chunks()) {
    const last = chunk.lastIndexOf(0x0a);
    if (last === -1) {
      carry = Buffer.concat([carry, chunk]);
      continue;
    }
    const text = (carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, last)]) : chunk.subarray(0, last)).toString('utf8');
    carry = Buffer.from(chunk.subarray(last + 1));
    const lines = text.split('\n');
    for (const line of lines) onLine(line);
    records += lines.length;
  }
  if (carry.length > 0) {
    onLine(carry.toString('utf8'));
    records += 1;
  }
  return { bytes: feed.bytes, records, stoppedEarly: feed.stoppedEarly };
}

/** Machine-wide CPU time from /proc/stat (in USER_HZ ticks), or undefined off Linux. */
function machineTicks() {
  try {
    const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    return { idle: (f[3] ?? 0) + (f[4] ?? 0), total: f.reduce((a, b) => a + b, 0) };
  } catch {
    return undefined;
  }
}

/**
 * Share of the machine's CPU that other processes used while `fn` ran: this process's own CPU
 * (workers included; not child processes) is taken out of the machine's busy time.
 * @template T @param {() => Promise<T>} fn @returns {Promise<{ value: T, othersCpuShare: number | null }>}
 */
async function watchingOthers(fn) {
  const m0 = machineTicks();
  const c0 = process.cpuUsage();
  const value = await fn();
  const m1 = machineTicks();
  const c = process.cpuUsage(c0);
  if (!m0 || !m1 || m1.total <= m0.total) return { value, othersCpuShare: null };
  const total = m1.total - m0.total;
  const busy = total - (m1.idle - m0.idle);
  const self = ((c.user + c.system) / 1e6) * 100;
  return { value, othersCpuShare: Math.min(1, Math.max(0, (busy - self) / total)) };
}

/** @param {Subject} subject @param {Slice} slice @param {number} budgetSec @returns {Promise<Round>} */
async function timedRound(subject, slice, budgetSec) {
  const started = performance.now();
  const r = await subject.run(slice, started + budgetSec * 1000);
  const seconds = (performance.now() - started) / 1000;
  return {
    seconds,
    bytes: r.bytes,
    records: r.records,
    mbps: r.bytes / 1e6 / seconds,
    recordsPerSec: r.records / seconds,
    stoppedEarly: r.stoppedEarly ?? false,
    ...(r.detail ? { detail: r.detail } : {}),
  };
}

/** @template T @param {T[]} values @param {(v: T) => number} key @returns {T} the median (lower middle for an even count) */
export function medianBy(values, key) {
  const sorted = [...values].sort((a, b) => key(a) - key(b));
  return /** @type {T} */ (sorted[Math.floor((sorted.length - 1) / 2)]);
}

/** @param {number[]} xs */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? /** @type {number} */ (s[mid]) : (/** @type {number} */ (s[mid - 1]) + /** @type {number} */ (s[mid])) / 2;
}

/**
 * Warm-up plus `rounds` timed rounds of `subject` over `corpus`.
 * @param {Subject} subject
 * @param {Pick<Corpus, 'path' | 'stats'>} corpus
 * @param {{ rounds: number, roundBudgetSec: number, warmupBytes: number, log?: (line: string) => void }} o
 * @returns {Promise<Measurement>}
 */
export async function measure(subject, corpus, o) {
  const [m] = /** @type {Measurement[]} */ (await measureInterleaved([subject], corpus, o));
  return /** @type {Measurement} */ (m);
}

/**
 * Several subjects measured together: each is warmed up, then round i of every subject runs before
 * round i + 1 of any. The speed of this kind of machine drifts by tens of percent over minutes;
 * subjects measured side by side see the same drift, so the ratio of their rounds (see
 * {@link roundRatio}) holds where the ratio of two medians taken minutes apart does not.
 * @param {Subject[]} subjects
 * @param {Pick<Corpus, 'path' | 'stats'>} corpus
 * @param {{ rounds: number, roundBudgetSec: number, warmupBytes: number, log?: (line: string) => void }} o
 * @returns {Promise<Measurement[]>}
 */
export async function measureInterleaved(subjects, corpus, o) {
  try {
    return await measureSubjects(subjects, corpus, o);
  } finally {
    for (const subject of subjects) await subject.close?.();
  }
}

/** {@link measureInterleaved}, its subjects left open. @type {typeof measureInterleaved} */
async function measureSubjects(subjects, corpus, o) {
  // Other work on the machine takes cores from the subjects: the load when they started is kept.
  const load1 = /** @type {number} */ (loadavg()[0]);
  /** @type {Round[]} */
  const warmups = [];
  for (const subject of subjects) warmups.push(await timedRound(subject, prefix(corpus, Math.min(o.warmupBytes, corpus.stats.bytes)), o.roundBudgetSec));
  const slices = subjects.map(() => prefix(corpus, corpus.stats.bytes));
  /** @type {Round[][]} */
  const rounds = subjects.map(() => []);
  const { othersCpuShare } = await watchingOthers(async () => {
    for (let i = 0; i < o.rounds; i++) {
      for (let k = 0; k < subjects.length; k++) {
        const round = await timedRound(/** @type {Subject} */ (subjects[k]), /** @type {Slice} */ (slices[k]), o.roundBudgetSec);
        /** @type {Round[]} */ (rounds[k]).push(round);
        // Too slow for the budget: the rest of its rounds run on the part this one got through.
        if (round.stoppedEarly) slices[k] = prefix(corpus, round.bytes);
      }
    }
  });
  const together = subjects.length > 1 ? subjects.map((s) => s.id).join(' ') : undefined;
  return subjects.map((subject, k) => {
    const own = /** @type {Round[]} */ (rounds[k]);
    const mbps = median(own.map((r) => r.mbps));
    const mid = medianBy(own, (r) => r.mbps);
    const sampled = own.some((r) => r.bytes < corpus.stats.bytes * 0.999);
    /** @type {Measurement} */
    const m = {
      id: subject.id,
      label: subject.label,
      group: subject.group,
      mbps,
      recordsPerSec: median(own.map((r) => r.recordsPerSec)),
      seconds: mid.seconds,
      bytes: mid.bytes,
      corpusBytes: corpus.stats.bytes,
      sampled,
      warmup: /** @type {Round} */ (warmups[k]),
      rounds: own,
      ...(together ? { interleavedWith: together } : {}),
      detail: mid.detail,
      note: subject.note,
      load1: +load1.toFixed(2),
      othersCpuShare: othersCpuShare === null || subject.group === 'cli' ? null : +othersCpuShare.toFixed(3),
    };
    o.log?.(`  ${subject.label.padEnd(44)} ${mbps.toFixed(1).padStart(8)} MB/s${sampled ? `  (sampled: ${(mid.bytes / 1e6).toFixed(0)} of ${(corpus.stats.bytes / 1e6).toFixed(0)} MB)` : ''}`);
    return m;
  });
}

/**
 * How many times faster `a` ran than `b`: for subjects measured together, the median of the ratios
 * of their rounds taken side by side; otherwise the ratio of their medians.
 * @param {Measurement | undefined} a @param {Measurement | undefined} b @returns {number | undefined}
 */
export function roundRatio(a, b) {
  if (!a || !b) return undefined;
  if (a.interleavedWith && a.interleavedWith === b.interleavedWith && a.rounds.length === b.rounds.length && a.rounds.length > 0) {
    return median(a.rounds.map((r, i) => r.mbps / /** @type {Round} */ (b.rounds[i]).mbps));
  }
  return a.mbps / b.mbps;
}

/**
 * The lowest and highest of the side-by-side round ratios behind {@link roundRatio}: how far the
 * machine's drift moved them. Undefined for subjects not measured together or with one round.
 * @param {Measurement | undefined} a @param {Measurement | undefined} b @returns {[number, number] | undefined}
 */
export function roundRatioRange(a, b) {
  if (!a || !b || !a.interleavedWith || a.interleavedWith !== b.interleavedWith || a.rounds.length !== b.rounds.length || a.rounds.length < 2) return undefined;
  const ratios = a.rounds.map((r, i) => r.mbps / /** @type {Round} */ (b.rounds[i]).mbps);
  return [Math.min(...ratios), Math.max(...ratios)];
}

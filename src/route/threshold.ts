/**
 * Threshold rules ("repeated HTTP 401/403 from one client"): a rule with `threshold` fires once
 * `count` of its matches with the same group key fall within `windowSeconds`, then starts counting
 * again. State lives here, on the one thread that sees records in input order, not in the workers.
 * Times are the records' own where they tell one (see record-time.ts), so they may come out of
 * order: a match fires the rule when one window of the rule's length holds it and `count - 1`
 * other kept matches of its key (the latest few, before or after it).
 */
import type { RouteMatch } from './compile.js';

/** Keys tracked at most (oldest forgotten first), so memory stays bounded under a key flood. */
const DEFAULT_MAX_KEYS = 100_000;
/** Every this many admitted matches, keys whose window has passed are dropped. */
const SWEEP_EVERY = 4096;

/** Times kept per key, as a multiple of the rule's count: matches may come out of order. */
const KEEP_PER_COUNT = 4;

export class ThresholdGate {
  /** `ruleId \0 key` -> times (ms) of the key's latest matches, ascending, and the window. */
  readonly #recent = new Map<string, { times: number[]; windowMs: number }>();
  readonly #maxKeys: number;
  #sinceSweep = 0;
  /** The earliest time of the matches since the last sweep: what the next sweep measures against. */
  #sweepFrom = Number.POSITIVE_INFINITY;

  constructor(options: { maxKeys?: number } = {}) {
    this.#maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  }

  /**
   * The matches that fire now: every match of a rule without a threshold, and a threshold match
   * when some window of the rule's length that holds it holds `count` matches of its key
   * (`nowMs`: the record's time, or arrival). The key then counts again from none.
   */
  admit(matches: readonly RouteMatch[], nowMs: number): RouteMatch[] {
    const out: RouteMatch[] = [];
    for (const m of matches) {
      if (!m.threshold) {
        out.push(m);
        continue;
      }
      const id = `${m.ruleId}\0${m.threshold.key}`;
      const windowMs = m.threshold.windowSeconds * 1000;
      const times = [...(this.#recent.get(id)?.times ?? []), nowMs].sort((a, b) => a - b);
      this.#recent.delete(id);
      if (fires(times, nowMs, windowMs, m.threshold.count)) {
        out.push(m);
      } else {
        // The latest ones, bounded: an earlier match that comes late still counts with them.
        this.#recent.set(id, { times: times.slice(-KEEP_PER_COUNT * m.threshold.count), windowMs });
        if (this.#recent.size > this.#maxKeys) this.#recent.delete(this.#recent.keys().next().value as string);
      }
      if (nowMs < this.#sweepFrom) this.#sweepFrom = nowMs;
      if (++this.#sinceSweep >= SWEEP_EVERY) this.#sweep();
    }
    return out;
  }

  /**
   * Drops the keys whose latest match is a window or more before every match since the last sweep.
   * Measured from the earliest of those, not the latest: a few records dated ahead cannot have
   * every key forgotten.
   */
  #sweep(): void {
    const from = this.#sweepFrom;
    this.#sinceSweep = 0;
    this.#sweepFrom = Number.POSITIVE_INFINITY;
    for (const [id, entry] of this.#recent) {
      if ((entry.times[entry.times.length - 1] as number) <= from - entry.windowMs) this.#recent.delete(id);
    }
  }

  /** Group keys currently counting. */
  get size(): number {
    return this.#recent.size;
  }
}

/** Whether `count` of the ascending `times` lie in one window of `windowMs` that holds `now`. */
function fires(times: readonly number[], now: number, windowMs: number, count: number): boolean {
  for (let i = 0, j = 0; i < times.length; i++) {
    const start = times[i] as number;
    if (start > now) break;
    while (j < times.length && (times[j] as number) < start + windowMs) j++;
    if (now < start + windowMs && j - i >= count) return true;
  }
  return false;
}

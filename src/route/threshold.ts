/**
 * Threshold rules ("repeated HTTP 401/403 from one client"): a rule with `threshold` fires once
 * `count` of its matches with the same group key fall within `windowSeconds`, then starts counting
 * again. State lives here, on the one thread that sees records in input order, not in the workers.
 * Times are the records' own where they tell one (see record-time.ts), so they may come out of
 * order: a match counts with the others of its key whose times lie within the window of its own,
 * before or after it, among those kept (the ones within the window of the key's latest time).
 */
import type { RouteMatch } from './compile.js';

/** Keys tracked at most (oldest forgotten first), so memory stays bounded under a key flood. */
const DEFAULT_MAX_KEYS = 100_000;
/** Every this many admitted matches, keys whose window has passed are dropped. */
const SWEEP_EVERY = 4096;

export class ThresholdGate {
  /** `ruleId \0 key` -> times (ms) of the matches still inside the window, and the window. */
  readonly #recent = new Map<string, { times: number[]; windowMs: number }>();
  readonly #maxKeys: number;
  #sinceSweep = 0;
  /** The latest time seen: keys none of whose matches is within their window of it are swept. */
  #latest = Number.NEGATIVE_INFINITY;

  constructor(options: { maxKeys?: number } = {}) {
    this.#maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  }

  /**
   * The matches that fire now: every match of a rule without a threshold, and a threshold match
   * when it completes `count` matches within the window (`nowMs`: the record's time, or arrival).
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
      const all = [...(this.#recent.get(id)?.times ?? []), nowMs];
      // Kept: the times within the window of the key's latest (fewer than `count` of them).
      const latest = Math.max(...all);
      const times = all.filter((t) => t > latest - windowMs);
      this.#recent.delete(id);
      if (all.filter((t) => Math.abs(t - nowMs) < windowMs).length >= m.threshold.count) {
        out.push(m);
      } else {
        this.#recent.set(id, { times, windowMs });
        if (this.#recent.size > this.#maxKeys) this.#recent.delete(this.#recent.keys().next().value as string);
      }
      if (nowMs > this.#latest) this.#latest = nowMs;
      if (++this.#sinceSweep >= SWEEP_EVERY) this.#sweep(this.#latest);
    }
    return out;
  }

  /** Drops the keys none of whose matches is still inside its window. */
  #sweep(nowMs: number): void {
    this.#sinceSweep = 0;
    for (const [id, entry] of this.#recent) {
      if (Math.max(...entry.times) <= nowMs - entry.windowMs) this.#recent.delete(id);
    }
  }

  /** Group keys currently counting. */
  get size(): number {
    return this.#recent.size;
  }
}

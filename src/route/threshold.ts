/**
 * Threshold rules ("repeated HTTP 401/403 from one client"): a rule with `threshold` fires once
 * `count` of its matches with the same group key fall within `windowSeconds`, then starts counting
 * again. State lives here, on the one thread that sees records in input order, not in the workers.
 */
import type { RouteMatch } from './compile.js';

/** Keys tracked at most (oldest forgotten first), so memory stays bounded under a key flood. */
const DEFAULT_MAX_KEYS = 100_000;

export class ThresholdGate {
  /** `ruleId \0 key` -> times (ms) of the matches still inside the window, oldest first. */
  readonly #recent = new Map<string, number[]>();
  readonly #maxKeys: number;

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
      const since = nowMs - m.threshold.windowSeconds * 1000;
      const times = (this.#recent.get(id) ?? []).filter((t) => t > since);
      times.push(nowMs);
      this.#recent.delete(id);
      if (times.length >= m.threshold.count) {
        out.push(m);
      } else {
        this.#recent.set(id, times);
        if (this.#recent.size > this.#maxKeys) this.#recent.delete(this.#recent.keys().next().value as string);
      }
    }
    return out;
  }

  /** Group keys currently counting. */
  get size(): number {
    return this.#recent.size;
  }
}

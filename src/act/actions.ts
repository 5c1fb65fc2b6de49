/**
 * Which action a finding gets: config overrides per detector, then per category, then the
 * detector's own default. Tokenize mode falls back to the configured default.
 */
import type { ActionSpec, DetectorSpec, KeyRuleSpec, TokenMode } from '../detect/pack.js';

export interface ActionOverrides {
  byDetector?: Readonly<Record<string, ActionSpec>>;
  byCategory?: Readonly<Record<string, ActionSpec>>;
  /** Mode of `tokenize` actions that do not name one (default deterministic). */
  tokenMode?: TokenMode;
}

export type ResolvedAction = Exclude<ActionSpec, { type: 'tokenize' }> | { type: 'tokenize'; mode: TokenMode };

export class ActionPolicy {
  readonly #overrides: ActionOverrides;
  readonly #cache = new Map<string, ResolvedAction>();

  constructor(overrides: ActionOverrides = {}) {
    this.#overrides = overrides;
  }

  forDetector(spec: DetectorSpec): ResolvedAction {
    const cached = this.#cache.get(spec.id);
    if (cached) return cached;
    const raw = this.#overrides.byDetector?.[spec.id] ?? this.#overrides.byCategory?.[spec.category] ?? spec.action;
    const resolved = this.#withMode(raw);
    this.#cache.set(spec.id, resolved);
    return resolved;
  }

  forKeyRule(rule: KeyRuleSpec): ResolvedAction {
    return this.#withMode(rule.action ?? this.#overrides.byCategory?.[rule.category] ?? { type: 'mask' });
  }

  #withMode(action: ActionSpec): ResolvedAction {
    if (action.type !== 'tokenize') return action;
    return { type: 'tokenize', mode: action.mode ?? this.#overrides.tokenMode ?? 'deterministic' };
  }
}

/**
 * Key rules compiled: which rule, if any, a JSON key (or the name of a name-value object) answers
 * to, case-insensitively, through globs, through the key's escapes decoded, and through the
 * conditions a rule puts on the other members of its object (KeyRuleSpec.where).
 */
import { BoundedMap } from '../util/bounded-map.js';
import { decodedViews } from './escapes.js';
import type { KeyRuleSpec } from './pack.js';
import { escapeRegex } from './re2-syntax.js';

export interface KeyDecision {
  mode: 'redact' | 'skip' | 'scan';
  rule?: KeyRuleSpec;
  /** The key pattern of the rule that matched (`password`, `*_token`); findings name it as `key:<pattern>`. */
  pattern?: string;
}

const SCAN: KeyDecision = { mode: 'scan' };
const NO_RULES: readonly KeyRules[] = [];
/** How many keys' decisions (and, in compile.ts, keys' context answers) are remembered. */
export const KEY_CACHE_LIMIT = 4096;

/** Matches structured field keys against key rules; first matching rule wins, exact keys before globs. */
export class KeyRules {
  readonly #exact = new Map<string, KeyDecision>();
  readonly #globs: Array<{ re: RegExp; decision: KeyDecision }> = [];
  readonly #cache = new BoundedMap<string, KeyDecision>(KEY_CACHE_LIMIT);
  /** The rules that hold only beside certain members (see KeyRuleSpec.where), and the keys of those members. */
  readonly #conditional: Array<{ where: ReadonlyArray<[string, (value: string) => boolean]>; keys: KeyRules }> = [];
  readonly #conditionKeys = new Set<string>();
  readonly #conditionLengths = new Set<number>();
  /** A condition's member as a quoted key of JSON in a text (`"kind":`), case-insensitive. */
  readonly #conditionInText: RegExp | undefined;

  /** `unconditional`: take every rule as if it had no conditions (the set a rule with them is decided by). */
  constructor(rules: readonly KeyRuleSpec[], unconditional = false) {
    for (const rule of rules) {
      if (rule.where && !unconditional) {
        const where = Object.entries(rule.where).map(([k, values]) => [k.toLowerCase(), conditionTest(values)] as [string, (value: string) => boolean]);
        for (const [k] of where) {
          this.#conditionKeys.add(k);
          this.#conditionLengths.add(k.length);
        }
        // Decided by a set of its own, which names this rule, conditions and all.
        this.#conditional.push({ where, keys: new KeyRules([rule], true) });
        continue;
      }
      for (const key of rule.keys) {
        const decision: KeyDecision = { mode: rule.mode, rule, pattern: key };
        // Keys are matched case-insensitively: the rule's keys are lowered as the record's are.
        const lower = key.toLowerCase();
        if (key.includes('*')) {
          const body = lower.split('*').map(escapeRegex).join('.*');
          this.#globs.push({ re: new RegExp(`^${body}$`), decision });
        } else if (!this.#exact.has(lower)) {
          this.#exact.set(lower, decision);
        }
      }
    }
    const members = [...this.#conditionKeys].map(escapeRegex);
    this.#conditionInText = members.length > 0 ? new RegExp(`["'](?:${members.join('|')})["'][ \\t\\r\\n]*:`, 'i') : undefined;
  }

  /** True when `text` may hold a JSON object that a rule with conditions holds in: a condition's member stands in it as a key. */
  mayHoldConditions(text: string): boolean {
    return this.#conditionInText?.test(text) ?? false;
  }

  /**
   * The rule for `key`. A key holding escapes (`pass%77ord`, see escapes.ts) is also read decoded,
   * as values are, and a `redact` rule the decoded key selects applies: an escape does not hide a
   * key from the rules that redact it (it never makes one skipped).
   */
  decide(key: string): KeyDecision {
    const cached = this.#cache.get(key);
    if (cached) return cached;
    let decision = this.#lookup(key);
    if (decision.mode !== 'redact') {
      // Every reading detection makes of a value: encoded twice (`pass%2577ord`) as well.
      for (const view of decodedViews(key)) {
        const viaDecoded = this.#lookup(view.text);
        if (viaDecoded.mode === 'redact') {
          decision = viaDecoded;
          break;
        }
      }
    }
    this.#cache.set(key, decision);
    return decision;
  }

  /**
   * The rules with conditions (see KeyRuleSpec.where) whose conditions the members of `holder`
   * meet (`{"kind":"Secret","data":{...}}`), asked once per object; mostly none.
   */
  holdingIn(holder: Readonly<Record<string, unknown>>, keys: readonly string[]): readonly KeyRules[] {
    // Lowered only when its length is a condition's: most keys of most objects are not.
    if (this.#conditional.length === 0 || !keys.some((k) => this.#conditionLengths.has(k.length) && this.#conditionKeys.has(k.toLowerCase()))) return NO_RULES;
    const members = new Map(keys.map((k) => [k.toLowerCase(), holder[k]]));
    return this.#conditional.filter((c) => c.where.every(([k, holds]) => { const v = members.get(k); return typeof v === 'string' && holds(v); })).map((c) => c.keys);
  }

  /**
   * The rule for `key` as a member of an object where the rules with conditions `holding` hold
   * (see {@link KeyRules.holdingIn}): theirs first, then {@link KeyRules.decide}'s. Text read for
   * key rules (see embedded.ts) is not an object: only rules without conditions apply there.
   */
  decideIn(key: string, holding: readonly KeyRules[]): KeyDecision {
    for (const rules of holding) {
      const decision = rules.decide(key);
      if (decision.rule) return decision;
    }
    return this.decide(key);
  }

  #lookup(key: string): KeyDecision {
    const lower = key.toLowerCase();
    return this.#exact.get(lower) ?? this.#globs.find((g) => g.re.test(lower))?.decision ?? SCAN;
  }

  get empty(): boolean {
    return this.#exact.size === 0 && this.#globs.length === 0 && this.#conditional.length === 0;
  }
}

/**
 * What a condition's values (KeyRuleSpec.where) accept of a member's string: a value listed
 * (exact), any but the empty string for `*`, and what a glob among them matches whole (`*` any
 * run of characters, case as written: `https://*.vault.azure.net/secrets/*`).
 */
export function conditionTest(values: readonly string[]): (value: string) => boolean {
  const exact = new Set(values.filter((v) => !v.includes('*')));
  const any = values.includes('*');
  const globs = values.filter((v) => v !== '*' && v.includes('*')).map((v) => new RegExp(`^${v.split('*').map(escapeRegex).join('[^]*')}$`));
  return (value) => exact.has(value) || (value.length > 0 && any) || globs.some((g) => g.test(value));
}

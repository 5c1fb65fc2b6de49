/**
 * Routing rules compiled once: field paths parsed, every RE2 built, the raw-line prefilter made.
 * `route` is pure and per record, so it runs inline or in pool workers alike; threshold rules
 * report a group key and {@link ThresholdGate} (in input order, on one thread) decides when they fire.
 */
import { createHash, randomBytes } from 'node:crypto';
import RE2 from 're2';
import type { JsonValue, LogRecord, Severity } from '../record.js';
import { parseJsonString, parsePath, selectValues, type FieldPath, type ParseCache } from './path.js';
import { groupPatterns, type LinePattern } from './prefilter.js';
import { re2Input } from '../util/re2-input.js';
import { capturePatterns, type ConditionGroup, type RoutingRuleSpec, type RoutingSpec } from './spec.js';

/** One rule that matched a record. */
export interface RouteMatch {
  ruleId: string;
  name: string;
  severity: Severity;
  category: string;
  mitre: string[];
  appStream?: 'keep' | 'remove';
  /** Set for threshold rules: the record counts towards `key` (a salted digest, never the values). */
  threshold?: { count: number; windowSeconds: number; key: string };
}

type Test = (record: LogRecord, ctx: MatchContext) => boolean;

/** Per record, shared by every rule. */
interface MatchContext {
  cache: ParseCache;
  /** String leaves of a structured body, gathered once per record. */
  strings?: string[];
  /** Those strings as RE2 reads them (see re2Input), made once per record. */
  bytes?: Buffer[];
  /** Given, the rules' text conditions read which text patterns the record's strings hold from it. */
  texts?: TextPatterns;
  /** Those patterns (by index in `texts`), found once per record; null when they cannot be one set. */
  held?: ReadonlySet<number> | null;
}

/**
 * From this many rules to try on a record, their text conditions are answered together: one
 * match of every rule's text patterns per string, where each condition would test its own set
 * on every string (with every rule tried, a line with a backslash, 30 built-in rules took about
 * 95 us per record so, nine tenths of it in those tests).
 */
const TEXTS_TOGETHER_FROM = 4;

/** Every text pattern of the rules, and which of them a record's strings hold (one set, made on first use). */
class TextPatterns {
  readonly #patterns: string[] = [];
  readonly #index = new Map<string, number>();
  #set: ReturnType<typeof RE2.Set> | null | undefined;

  /** Indices of `patterns` among all the rules' text patterns. */
  add(patterns: readonly string[]): number[] {
    return patterns.map((p) => {
      let i = this.#index.get(p);
      if (i === undefined) {
        i = this.#patterns.length;
        this.#patterns.push(p);
        this.#index.set(p, i);
      }
      return i;
    });
  }

  /** The patterns some string of `texts` (as RE2 reads them) matches; null when RE2 cannot hold them as one set. */
  held(texts: readonly Buffer[]): ReadonlySet<number> | null {
    if (this.#set === undefined) {
      try {
        this.#set = new RE2.Set(this.#patterns, 'u');
      } catch {
        this.#set = null;
      }
    }
    if (this.#set === null) return null;
    const out = new Set<number>();
    for (const text of texts) for (const i of this.#set.match(text)) out.add(i);
    return out;
  }
}

interface CompiledRule {
  spec: RoutingRuleSpec;
  test: Test;
  /** RE2 of the rule's text patterns with named groups, for group-by captures. */
  captureRegexes: RE2[];
  /** Their indices among the rules' text patterns (see TextPatterns), in the same order. */
  captureIds: number[];
  /** The threshold's group-by fields, parsed (undefined for a capture), in order. */
  groupPaths: Array<FieldPath | undefined>;
}

/** Routing rules ready to classify records. */
export class CompiledRouting {
  readonly spec: RoutingSpec;
  /** SHA-256 of the canonical rules; quoted by routed events and run events. */
  readonly hash: string;
  readonly rules: readonly RoutingRuleSpec[];
  readonly #compiled: CompiledRule[];
  readonly #set: ReturnType<typeof RE2.Set> | undefined;
  /** For each pattern of the set, the index of the rule it stands for. */
  readonly #ruleOf: number[];
  readonly #allRules: readonly number[];
  readonly #salt: Buffer;
  readonly #texts = new TextPatterns();
  /** The raw-line patterns of {@link mightMatch}, for a prefilter that folds them into its own set. */
  readonly linePatterns: readonly LinePattern[];

  /**
   * `groupKeySalt` salts threshold group keys; pool workers and the thread that runs the
   * {@link ThresholdGate} must share it (default: random per instance).
   */
  constructor(spec: RoutingSpec, options: { groupKeySalt?: Uint8Array } = {}) {
    this.spec = spec;
    this.hash = spec.hash;
    this.rules = spec.packs.flatMap((p) => p.rules);
    this.#compiled = this.rules.map((r) => compileRule(r, this.#texts));
    const perRule = this.rules.map((r) => groupPatterns(r.when) ?? [{ pattern: '' }]);
    const patterns = perRule.flat();
    this.#ruleOf = perRule.flatMap((list, rule) => list.map(() => rule));
    this.#allRules = this.rules.map((_, i) => i);
    this.linePatterns = patterns;
    this.#set = patterns.length > 0 ? new RE2.Set(patterns.map((p) => p.pattern), 'u') : undefined;
    this.#salt = Buffer.from(options.groupKeySalt ?? randomBytes(16));
  }

  /**
   * False only when no rule can match the record decoded from this raw line (without its line
   * end), so such a line may skip decoding. Never false for a line {@link route} would match.
   */
  mightMatch(line: Uint8Array): boolean {
    if (!this.#set) return false;
    const bytes = Buffer.isBuffer(line) ? line : Buffer.from(line.buffer, line.byteOffset, line.byteLength);
    return bytes.includes(0x5c) || this.#set.test(bytes);
  }

  /**
   * The rules (by index, ascending) that can match the record decoded from this raw line (without
   * its line end): those one of whose raw-line patterns occurs in it; every rule for a line with a
   * backslash. Undefined when none can. Never leaves out a rule {@link route} would match.
   */
  candidates(line: Uint8Array): readonly number[] | undefined {
    if (!this.#set) return undefined;
    const bytes = Buffer.isBuffer(line) ? line : Buffer.from(line.buffer, line.byteOffset, line.byteLength);
    if (bytes.includes(0x5c)) return this.#allRules;
    if (!this.#set.test(bytes)) return undefined;
    return this.rulesOfPatterns(this.#set.match(bytes));
  }

  /**
   * The rules (by index, ascending) that {@link candidates} names for a line, from which of
   * {@link linePatterns} (by index) the line matches, when a prefilter that holds them has found
   * that already. Undefined when none.
   */
  rulesOfPatterns(patterns: readonly number[]): readonly number[] | undefined {
    if (patterns.length === 0) return undefined;
    const rules = [...new Set(patterns.map((p) => this.#ruleOf[p] as number))];
    return rules.sort((a, b) => a - b);
  }

  /**
   * The rules that match a decoded record, in rule order. `only`: the rules to try (from
   * {@link candidates}); the others are known not to match.
   */
  route(record: LogRecord, only?: readonly number[]): RouteMatch[] {
    const out: RouteMatch[] = [];
    const rules = only ?? this.#allRules;
    const ctx: MatchContext = { cache: new Map(), ...(rules.length >= TEXTS_TOGETHER_FROM ? { texts: this.#texts } : {}) };
    for (const index of rules) {
      const rule = this.#compiled[index] as CompiledRule;
      if (!rule.test(record, ctx)) continue;
      const s = rule.spec;
      const match: RouteMatch = { ruleId: s.id, name: s.name, severity: s.severity, category: s.category, mitre: s.mitre };
      if (s.appStream) match.appStream = s.appStream;
      if (s.threshold) {
        const { count, windowSeconds } = s.threshold;
        match.threshold = { count, windowSeconds, key: this.#groupKey(rule, record, ctx) };
      }
      out.push(match);
    }
    return out;
  }

  #groupKey(rule: CompiledRule, record: LogRecord, ctx: MatchContext): string {
    const h = createHash('sha256').update(this.#salt).update(rule.spec.id);
    let captures: Record<string, string | undefined> | undefined;
    for (const [k, g] of (rule.spec.threshold?.groupBy ?? []).entries()) {
      let parts: JsonValue[] = [];
      if ('capture' in g) {
        captures ??= this.#captures(rule, record, ctx);
        parts = [captures[g.capture] ?? null];
      } else {
        selectValues(record, rule.groupPaths[k] as FieldPath, ctx.cache, parts);
      }
      h.update('\0').update(JSON.stringify(parts));
    }
    return h.digest('hex').slice(0, 32);
  }

  /**
   * The named groups of the first string of the record that one of the rule's capture patterns
   * matches (of the first such pattern). Most records a threshold rule counts match it by a field
   * (`status: 401`), and no string of theirs holds a capture pattern: which patterns the strings
   * hold is one set's match per string (and known already when the rules' text conditions were
   * answered together), where each pattern's search with its groups costs several times that.
   */
  #captures(rule: CompiledRule, record: LogRecord, ctx: MatchContext): Record<string, string | undefined> {
    if (ctx.held === undefined) ctx.held = this.#texts.held(bytesOf(record, ctx));
    const held = ctx.held;
    // A pattern that no string holds has no groups to give.
    const regexes = held ? rule.captureRegexes.filter((_, k) => held.has(rule.captureIds[k] as number)) : rule.captureRegexes;
    return regexes.length === 0 ? {} : firstCaptures(regexes, textsOf(record, ctx));
  }
}

function compileRule(spec: RoutingRuleSpec, texts: TextPatterns): CompiledRule {
  const test = compileGroup(spec.when, texts);
  const captures = capturePatterns(spec.when).filter((t) => /\(\?P?<[A-Za-z_]/.test(t));
  return {
    spec,
    test,
    captureRegexes: captures.map((t) => new RE2(t, 'u')),
    // compileGroup added every text pattern of the rule.
    captureIds: texts.add(captures),
    groupPaths: (spec.threshold?.groupBy ?? []).map((g) => ('capture' in g ? undefined : (parsePath(g.field) as FieldPath))),
  };
}

function compileGroup(group: ConditionGroup, texts: TextPatterns): Test {
  const tests: Test[] = [];
  for (const [path, condition] of Object.entries(group.fields ?? {})) {
    const parsed = parsePath(path) as FieldPath;
    if ('in' in condition) {
      const wanted = new Set(condition.in.map(String));
      tests.push((r, c) => values(r, parsed, c).some((v) => isScalar(v) && wanted.has(String(v))));
    } else if ('regex' in condition) {
      const re = new RE2(condition.regex, 'u');
      tests.push((r, c) => values(r, parsed, c).some((v) => typeof v === 'string' && re.test(v)));
    } else {
      const want = condition.exists;
      tests.push((r, c) => values(r, parsed, c).some((v) => v !== null) === want);
    }
  }
  if (group.text) {
    // One set answers for all the group's patterns in one call per string.
    const set = new RE2.Set(group.text, 'u');
    const ids = texts.add(group.text);
    tests.push((r, c) => {
      if (c.texts && c.held === undefined) c.held = c.texts.held(bytesOf(r, c));
      const held = c.held;
      return held ? ids.some((i) => held.has(i)) : bytesOf(r, c).some((s) => set.test(s));
    });
  }
  for (const sub of group.all ?? []) tests.push(compileGroup(sub, texts));
  if (group.any) {
    const alternatives = group.any.map((g) => compileGroup(g, texts));
    tests.push((r, c) => alternatives.some((t) => t(r, c)));
  }
  for (const some of group.some ?? []) {
    const paths = some.path.map((p) => parsePath(p) as FieldPath);
    const where = compileGroup(some.where, texts);
    tests.push((r, c) =>
      paths.some((p) =>
        values(r, p, c).some((v) => {
          const scope = typeof v === 'string' ? parseJsonString(v, c.cache) : v;
          return scope !== null && typeof scope === 'object' && where(scoped(r, scope), { cache: c.cache });
        }),
      ),
    );
  }
  if (group.not) {
    const negated = group.not.map((g) => compileGroup(g, texts));
    tests.push((r, c) => !negated.some((t) => t(r, c)));
  }
  return (r, c) => tests.every((t) => t(r, c));
}

function values(record: LogRecord, path: FieldPath, ctx: MatchContext): JsonValue[] {
  const out: JsonValue[] = [];
  selectValues(record, path, ctx.cache, out);
  return out;
}

/** A value inside a record, as a record of its own, for `some.where`. */
function scoped(record: LogRecord, body: JsonValue): LogRecord {
  return { body, structured: true, attributes: {}, resource: {}, source: record.source };
}

function isScalar(v: JsonValue): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

/** The text a `text` condition tests: a text body, or every string value of a structured body. */
function textsOf(record: LogRecord, ctx: MatchContext): readonly string[] {
  if (typeof record.body === 'string' && !record.structured) return [record.body];
  if (!ctx.strings) {
    ctx.strings = [];
    collectStrings(record.body, ctx.strings, 0);
  }
  return ctx.strings;
}

/** {@link textsOf} as RE2 reads them. */
function bytesOf(record: LogRecord, ctx: MatchContext): readonly Buffer[] {
  ctx.bytes ??= textsOf(record, ctx).map(re2Input);
  return ctx.bytes;
}

function collectStrings(value: JsonValue, out: string[], depth: number): void {
  if (typeof value === 'string') out.push(value);
  else if (value !== null && typeof value === 'object' && depth < 128) {
    for (const v of Array.isArray(value) ? value : Object.values(value)) collectStrings(v, out, depth + 1);
  }
}

function firstCaptures(regexes: readonly RE2[], texts: readonly string[]): Record<string, string | undefined> {
  for (const text of texts) {
    for (const re of regexes) {
      const m = re.exec(text);
      if (m) return { ...(m.groups ?? {}) };
    }
  }
  return {};
}

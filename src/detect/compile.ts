/**
 * Compiles a loaded policy once: the prefilter over every detector (literal gates and a set of the
 * rest), one RE2 per detector for positions, allowlists and key rules ready for the per-record path.
 */
import RE2 from 're2';

/** The prefilter: which detectors can match a string. */
export type RE2Set = ReturnType<typeof RE2.Set>;
import type { DetectorSpec, PolicySpec } from './pack.js';
import { Allowlist } from './allowlist.js';
import { BoundedMap, BoundedSet } from '../util/bounded-map.js';
import { decodedViews } from './escapes.js';
import { KEY_CACHE_LIMIT, KeyRules } from './key-rules.js';
import { LineFilter } from './line-filter.js';
import { requiredLiterals } from './literals.js';
import { escapeRegex } from './re2-syntax.js';
import type { Prefilter, PrefilterEntry } from './prefilter.js';
import type { RegexMatch } from './regex-matches.js';
import { VALIDATORS, type ValidatorResult } from './validators.js';

export interface CompiledDetector {
  readonly spec: DetectorSpec;
  readonly index: number;
  /** Global. */
  readonly regex: RE2;
  /** The same with group positions (`d`), made on first use: for a match that alone cannot tell where its `secret` group is. */
  readonly positions: () => RE2;
  readonly hasSecretGroup: boolean;
  /** The secret is a YAML block under a key, cut where the key's indentation ends it (see DetectorSpec.block). */
  readonly indentedBlock: boolean;
  readonly validate?: (value: string) => ValidatorResult;
  /** The validator's answers are costly (see ValidatorSpec.costly). */
  readonly costlyValidator: boolean;
  readonly allow: Allowlist;
  /** The detector's keywords as one case-insensitive RE2 (the prefilter's literal gates fold case the same way). */
  readonly keywords?: RE2;
}

/** A policy ready to scan: built once at start (or once per worker). */
export class CompiledPolicy {
  readonly hash: string;
  readonly spec: PolicySpec;
  readonly detectors: readonly CompiledDetector[];
  readonly byId: ReadonlyMap<string, CompiledDetector>;
  /**
   * Which detectors can match a string at all (indices into `detectors`): the line filter's,
   * whose raw-line forms of the detectors come first and match every string their originals match
   * (a string holds no quote, the widened anchors only add field delimiters). One set of automata
   * serves lines and strings.
   */
  get prefilter(): DetectorPrefilter | undefined {
    return this.#filters().prefilter;
  }

  readonly globalAllow: Allowlist;
  readonly keyRules: KeyRules;
  /**
   * Short field values already scanned without a finding (log fields repeat: levels, services,
   * paths, user agents). Only values with no finding are kept, so nothing sensitive is held.
   */
  readonly cleanValues = new BoundedSet<string>(8192);
  /**
   * What the allowlists and the validator said of a detector's short candidate values, by detector
   * and value: both depend on the value alone, and logs repeat values (hosts, addresses, numbers).
   * Held in memory only, as the token cache holds the values it tokenized.
   */
  readonly #verdicts = new BoundedMap<string, ValueVerdict>(VERDICT_CACHE_LIMIT);
  /** Prefilter over raw lines: a line it passes (see {@link LineFilter}) cannot change. */
  get lineFilter(): LineFilter | undefined {
    return this.#filters().lineFilter;
  }

  /** The two prefilters, once built (see {@link CompiledPolicy.#filters}). */
  #built: { lineFilter: LineFilter | undefined; prefilter: DetectorPrefilter | undefined } | undefined;
  readonly #filterOptions: { maxDepth?: number; extraLinePatterns?: readonly PrefilterEntry[] };
  readonly #keyContext = new BoundedMap<string, boolean>(KEY_CACHE_LIMIT);
  /** The labels the policy's detectors and key rules write in their tokens. */
  readonly labels: ReadonlySet<string>;
  #formatDetectors: ReadonlySet<number> | undefined;
  #keyBlockDetector: CompiledDetector | null | undefined;

  /**
   * The detector that takes a PEM private key whole (the first whose pattern matches one), which
   * the body lines of a key logged over several lines are redacted as (see pem-blocks.ts); none
   * when no detector of the policy finds private keys.
   */
  get keyBlockDetector(): CompiledDetector | undefined {
    if (this.#keyBlockDetector === undefined) {
      // Only the detectors the prefilter names can match (in order): the others' regexes, compiled
      // on first use, stay uncompiled (asking every detector took about 75 ms of each worker's start).
      const candidates = this.prefilter?.candidates(PEM_SAMPLE) ?? [];
      this.#keyBlockDetector =
        candidates
          .map((i) => this.detectors[i] as CompiledDetector)
          .find((d) => {
            // One that takes the key from its BEGIN line on, not any base64 detector that matches its body.
            d.regex.lastIndex = 0;
            const found = d.regex.exec(PEM_SAMPLE)?.index === 0;
            d.regex.lastIndex = 0;
            return found;
          }) ?? null;
    }
    return this.#keyBlockDetector ?? undefined;
  }

  /**
   * The secret and credential detectors (by index) every match of which holds a literal ids and
   * digests do not: each of their required literals (one of which every match holds) is three
   * characters or more, one of them neither a lower-case hex digit nor a dash (`ghp_`, `AKIA`,
   * `xoxb-`, `postgres://`, `eyJ`). A value a skip key rule spares (a trace id, a checksum, written
   * in lower-case hex as they are) is still read with these: it may look like a card number or a
   * high-entropy key, not like a GitHub token. (`cf-` of the Cloudflare tokens leaves them out.)
   */
  get formatDetectors(): ReadonlySet<number> {
    this.#formatDetectors ??= new Set(
      this.detectors
        .filter((d) => {
          if (d.spec.category !== 'secret' && d.spec.category !== 'credential') return false;
          const literals = requiredLiterals(d.spec.regex) ?? [];
          return literals.length > 0 && literals.every((l) => /[^0-9a-f-]/.test(l.text));
        })
        .map((d) => d.index),
    );
    return this.#formatDetectors;
  }

  /**
   * `maxDepth`: records nested deeper are rejected on the structured path, so a raw line with more
   * opening brackets than that is never passed by the line prefilter either. `extraLinePatterns`
   * (routing rules' raw-line patterns) make the same prefilter hold lines other stages must see.
   * `lazy`: the prefilters are built when first asked for, not here. A thread that hands every
   * batch to workers never scans: with the built-in packs their build took about 10 MB, and the
   * young generation it grew stayed grown (a CLI run over one line with two workers started in
   * 182 MiB of RSS, 136 without them on the main thread).
   */
  constructor(spec: PolicySpec, options: { maxDepth?: number; extraLinePatterns?: readonly PrefilterEntry[]; lazy?: boolean; validatorFault?: string } = {}) {
    this.spec = spec;
    this.hash = spec.hash;
    const all = spec.packs.flatMap((p) => p.detectors);
    this.detectors = all.map((d, index) => compileDetector(d, index, options.validatorFault));
    this.byId = new Map(this.detectors.map((d) => [d.spec.id, d]));
    this.globalAllow = new Allowlist(
      spec.packs.flatMap((p) => p.allowlist),
      'pack allowlist',
    );
    const rules = spec.packs.flatMap((p) => p.keyRules);
    this.keyRules = new KeyRules(rules);
    this.labels = new Set([...all.map((d) => d.label), ...rules.map((r) => r.label)]);
    this.#filterOptions = options;
    if (options.lazy !== true) this.#filters();
  }

  #filters(): { lineFilter: LineFilter | undefined; prefilter: DetectorPrefilter | undefined } {
    if (!this.#built) {
      const all = this.detectors.map((d) => d.spec);
      const rules = this.spec.packs.flatMap((p) => p.keyRules);
      const lineFilter = LineFilter.build(all, rules, this.#filterOptions.maxDepth, this.#filterOptions.extraLinePatterns);
      this.#built = { lineFilter, prefilter: all.length > 0 && lineFilter ? new DetectorPrefilter(lineFilter.prefilter, all.length) : undefined };
    }
    return this.#built;
  }

  /**
   * The verdicts on a candidate `value` of `detector` that depend on the value alone: the
   * allowlist entry that allows it (the detector's, else the packs'), and, asked for once the
   * value's context has passed, the validator's answer.
   */
  verdictOf(detector: CompiledDetector, value: string): ValueVerdict {
    const key = value.length <= VERDICT_MAX_CHARS ? `${detector.index}\0${value}` : undefined;
    let verdict = key === undefined ? undefined : this.#verdicts.get(key);
    if (!verdict) {
      verdict = new ValueVerdict(detector, value, detector.allow.match(value) ?? this.globalAllow.match(value));
      if (key !== undefined) this.#verdicts.set(key, verdict);
    }
    return verdict;
  }

  /** The allowlist entry, the detector's else the packs', that allows the value at `m` of `text` by what stands around it (see Allowlist.around). */
  allowedAround(detector: CompiledDetector, text: string, m: RegexMatch): string | undefined {
    return detector.allow.around(text, m) ?? this.globalAllow.around(text, m);
  }

  /**
   * The context allowlist entry (see Allowlist.around) that allows the value at `m` of `text`, a
   * JSON value, read as text reads it under its key: `key: text`. A pack writes such an entry for
   * `rx_bytes=50250624497`, and `{"rx_bytes":50250624497}` says the same.
   */
  allowedUnder(detector: CompiledDetector, key: string, text: string, m: RegexMatch): string | undefined {
    if (!detector.allow.readsContext && !this.globalAllow.readsContext) return undefined;
    // The key tells something of a value at the start of the string only, and the entry reads the
    // value and a little after it: one string of 84,000 addresses is not copied 84,000 times.
    if (m.start > MAX_KEY_DISTANCE) return undefined;
    // Only a number: a key's word allows a counter under it, not a phone or an id someone typed.
    if (!/^\s*\d+\s*$/.test(text)) return undefined;
    const prefix = `${key.length > MAX_KEY_CONTEXT ? key.slice(-MAX_KEY_CONTEXT) : key}: `;
    const at = prefix.length;
    const keyed = prefix + text.slice(0, m.end + MAX_KEY_CONTEXT);
    const moved = { start: m.start + at, end: m.end + at, matchStart: m.matchStart + at, matchEnd: m.matchEnd + at };
    return detector.allow.around(keyed, moved, 'context') ?? this.globalAllow.around(keyed, moved, 'context');
  }

  /**
   * True when a JSON key can tell a detector something about the value under it: it holds a literal
   * or keyword the prefilter gates a detector by (`ssn`, `phone`), a match of one, or a key word as
   * a whole word (`rtn`, `bankRtn`, see key-words.ts). Such a value is also read with its key before
   * it (see scanText).
   */
  isContextKey(key: string): boolean {
    let known = this.#keyContext.get(key);
    if (known === undefined) {
      const words = this.lineFilter?.keyWords;
      // A key word spelled with escapes (`r%74n`) counts as the key rules read such keys.
      known = (this.prefilter?.candidates(key).length ?? 0) > 0 || (words !== undefined && [key, ...decodedViews(key).map((v) => v.text)].some((k) => words.holds(k)));
      this.#keyContext.set(key, known);
    }
    return known;
  }
}

/**
 * How much of a key {@link CompiledPolicy.allowedUnder} reads (its end, as an entry reads the text
 * before a value), and of the value's string after the value.
 */
const MAX_KEY_CONTEXT = 256;
/** How far into its string a value may start for its key to be read before it. */
const MAX_KEY_DISTANCE = 64;

/** Candidate values up to this long have their verdicts kept (see {@link CompiledPolicy.verdictOf}). */
const VERDICT_MAX_CHARS = 128;
const VERDICT_CACHE_LIMIT = 4096;

/** See {@link CompiledPolicy.verdictOf}. */
export class ValueVerdict {
  #validation: ValidatorResult | undefined;

  constructor(
    readonly detector: CompiledDetector,
    readonly value: string,
    /** The allowlist entry that allows the value, if any. */
    readonly allowedBy: string | undefined,
  ) {}

  /** The validator's answer, asked once (the detector has a validator). */
  validation(): ValidatorResult {
    this.#validation ??= (this.detector.validate as (value: string) => ValidatorResult)(this.value);
    return this.#validation;
  }
}

/** The detector entries of a line filter's {@link Prefilter} (the first `count`). */
export class DetectorPrefilter {
  readonly #inner: Prefilter;
  readonly #count: number;

  constructor(inner: Prefilter, count: number) {
    this.#inner = inner;
    this.#count = count;
  }

  /** Detectors that may match `input` (see {@link Prefilter.candidates}). */
  candidates(input: string | Buffer): number[] {
    return this.#inner.candidates(input).filter((i) => i < this.#count);
  }
}

/** A private key as PEM writes it (an RSA key's first body line), for {@link CompiledPolicy.keyBlockDetector}. */
const PEM_SAMPLE = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF8PbnGy0AHB7MhgwMrpeaTmgk4DD\n-----END RSA PRIVATE KEY-----';

/**
 * `fault`: tests only; a validator asked about a value holding this text throws, as a detector
 * that fails mid-scan would (see EngineFaults.throwInValidator).
 */
function compileDetector(spec: DetectorSpec, index: number, fault?: string): CompiledDetector {
  // The regex and the allowlist are compiled when first asked for: most detectors never run on a
  // given log, and each worker compiles the policy (the built-in library's 498 regexes took about
  // 110 ms of a worker's start, their allowlists 25 ms). Loading has checked that they compile.
  let regex: RE2 | undefined;
  let allow: Allowlist | undefined;
  let positions: RE2 | undefined;
  const hasSecretGroup = /\(\?P?<secret>/.test(spec.regex);
  const v = spec.validator;
  const validator = v ? VALIDATORS[v.name] : undefined;
  const compiled: CompiledDetector = {
    spec,
    index,
    get regex(): RE2 {
      return (regex ??= new RE2(spec.regex, 'gu'));
    },
    positions: () => (positions ??= new RE2(spec.regex, 'gud')),
    hasSecretGroup,
    indentedBlock: spec.block === 'indented',
    costlyValidator: validator?.costly === true,
    get allow(): Allowlist {
      return (allow ??= new Allowlist(spec.allowlist, `detector "${spec.id}" allowlist`));
    },
    ...(spec.keywords.length > 0 ? { keywords: keywordRegex(spec.keywords) } : {}),
    ...(validator && v ? { validate: fault === undefined ? (value: string) => validator.validate(value, v.params) : faulty(fault, (value: string) => validator.validate(value, v.params)) } : {}),
  };
  return compiled;
}

function faulty(fault: string, validate: (value: string) => ValidatorResult): (value: string) => ValidatorResult {
  return (value) => {
    if (value.includes(fault)) throw new Error('injected validator fault');
    return validate(value);
  };
}

/** Any of `words`, case-insensitive, as the prefilter's literal gates fold case. */
function keywordRegex(words: readonly string[]): RE2 {
  return new RE2(`(?i)(?:${words.map(escapeRegex).join('|')})`, 'u');
}


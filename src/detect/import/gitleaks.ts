/**
 * A gitleaks config (TOML) as a logveil detector pack (YAML). Pure: text in, text and a report out;
 * the CLI does the file I/O. Every rule of the input is either imported or listed as not imported
 * with its reason; what an imported rule loses on the way is listed with it. The mapping is described
 * in docs/patterns.md ("Importing a gitleaks config").
 */
import RE2 from 're2';
import { parse, TomlError } from 'smol-toml';
import { LogveilError, PolicyError, type Problem } from '../../errors.js';
import type { Severity } from '../../record.js';
import { foldCase } from '../literals.js';
import { loadPackText } from '../load.js';
import { CATEGORIES } from '../schema.js';
import { labelFor, type AllowEntry, type DetectorSpec } from '../pack.js';
import { synthesizeCase, type SynthesizedCase } from './cases.js';
import { foldEntries, translateAllowlist, type TomlTable } from './gitleaks-allowlist.js';
import { packYaml } from './gitleaks-yaml.js';
import { captureAlwaysTakesPart, captureRepeats, findCapture, minLength, nameCapture, parseRegex } from '../re2-syntax.js';

export interface GitleaksImportOptions {
  /** The input's name in messages and in the pack's header comment. */
  file?: string;
  /** Pack id (default `gitleaks`). */
  packId?: string;
  /** Put before every detector id (default none). */
  idPrefix?: string;
  /** Category of every detector (default `secret`). */
  category?: string;
  /** Severity of every detector (default `high`). */
  severity?: Severity;
}

/** Why a rule was not imported, by kind. */
export type SkipCategory = 'path-only' | 'composite' | 'regex' | 'invalid' | 'duplicate-id' | 'no-test-case';

export interface SkippedRule {
  ruleId: string;
  /** 1-based position among the config's `[[rules]]`. */
  index: number;
  category: SkipCategory;
  reason: string;
}

export interface ImportedRule {
  ruleId: string;
  index: number;
  detectorId: string;
  /** Differences that make the detector redact what gitleaks would not report. */
  warnings: string[];
  /** Parts left out that change nothing for log lines (paths, commits). */
  notes: string[];
}

export interface GitleaksImport {
  /** The pack, ready to write. */
  yaml: string;
  packId: string;
  /** Rules in the input. */
  rules: number;
  imported: ImportedRule[];
  skipped: SkippedRule[];
  /** Config-level remarks (global allowlists, unknown keys, `[extend]`). */
  warnings: string[];
  notes: string[];
}

/** keywordWindow of imported detectors: the most a pack allows (gitleaks looks in the whole file). */
export const IMPORT_KEYWORD_WINDOW = 1000;

const ID = /^[a-z0-9][a-z0-9-]*$/;
const PACK_ID = /^[a-z0-9][a-z0-9._-]*$/;
/** A gitleaks rule for secrets of no vendor (generic-api-key). */
const GENERIC = /(?:^|-)generic(?:-|$)/;
const SEVERITIES: readonly Severity[] = ['low', 'medium', 'high', 'critical'];
const TOP_KEYS = new Set(['title', 'description', 'minversion', 'extend', 'allowlist', 'allowlists', 'rules']);
const RULE_KEYS = new Set(['id', 'description', 'regex', 'secretgroup', 'entropy', 'keywords', 'path', 'tags', 'allowlist', 'allowlists', 'required', 'skipreport']);

interface Draft {
  rule: ImportedRule;
  spec: DetectorSpec;
  testCase: SynthesizedCase;
}

/** Converts gitleaks TOML to a pack. Throws PolicyError when the TOML cannot be read at all. */
export function importGitleaks(toml: string, options: GitleaksImportOptions = {}): GitleaksImport {
  const file = options.file ?? 'gitleaks.toml';
  const packId = options.packId ?? 'gitleaks';
  const prefix = options.idPrefix ?? '';
  const category = options.category ?? 'secret';
  const severity = options.severity ?? 'high';
  checkOptions(packId, prefix, category, severity);

  const config = readToml(toml, file);
  const warnings: string[] = [];
  const notes: string[] = [];
  for (const key of Object.keys(config)) if (!TOP_KEYS.has(key)) warnings.push(`unknown top-level key "${key}" ignored`);
  if (config['extend'] !== undefined) warnings.push('[extend] is not followed: only the rules in this file are imported');

  const globalTables = [...tables(config['allowlist'], 'allowlist', file), ...tables(config['allowlists'], 'allowlists', file)];
  if (config['allowlist'] !== undefined && config['allowlists'] !== undefined) {
    warnings.push('both [allowlist] and [[allowlists]] are present (gitleaks refuses this); both are used');
  }
  const globals = globalTables.map((t, i) => translateAllowlist(t, `global allowlist ${i + 1}`));
  for (const g of globals) {
    notes.push(...g.notes);
    warnings.push(...g.warnings);
  }
  const globalEntries = foldEntries(globals.filter((g) => !g.targetRules).flatMap((g) => g.entries));

  const rawRules = tables(config['rules'], 'rules', file);
  const skipped: SkippedRule[] = [];
  const drafts: Draft[] = [];
  const lastIndexOf = new Map<string, number>();
  rawRules.forEach((r, i) => {
    if (typeof r['id'] === 'string') lastIndexOf.set(r['id'], i);
  });
  for (const target of new Set(globals.flatMap((g) => g.targetRules ?? []))) {
    if (!lastIndexOf.has(target)) warnings.push(`a global allowlist targets rule "${target}", which is not in this file`);
  }
  const takenIds = new Map<string, string>();

  rawRules.forEach((raw, i) => {
    const index = i + 1;
    const ruleId = typeof raw['id'] === 'string' && raw['id'].trim() !== '' ? raw['id'] : `rules[${index}]`;
    const skip = (cat: SkipCategory, reason: string): void => {
      skipped.push({ ruleId, index, category: cat, reason });
    };
    if (ruleId !== raw['id']) return skip('invalid', 'the rule has no id');
    const last = lastIndexOf.get(ruleId) ?? i;
    if (last !== i) return skip('duplicate-id', `redefined by rule ${last + 1} with the same id (gitleaks keeps the last definition)`);

    const targeted = globals.filter((g) => g.targetRules?.includes(ruleId)).flatMap((g) => g.entries);
    const result = mapRule(raw, { ruleId, index, prefix, category, severity, file, globalEntries, targeted });
    if ('skip' in result) return skip(result.skip, result.reason);
    const owner = takenIds.get(result.spec.id);
    if (owner !== undefined) return skip('duplicate-id', `detector id "${result.spec.id}" is already taken by rule "${owner}"`);
    takenIds.set(result.spec.id, ruleId);
    drafts.push(result);
  });

  // A generic rule last: of two matches of one span, the first detector's stands (see
  // overlaps.ts), and gitleaks too reports the vendor's rule where the generic one matches as well.
  drafts.sort((a, b) => Number(GENERIC.test(a.rule.ruleId)) - Number(GENERIC.test(b.rule.ruleId)));
  const imported = drafts.map((d) => d.rule);
  const title = typeof config['title'] === 'string' ? config['title'] : undefined;
  const yaml = packYaml({ packId, file, title, drafts, skipped, rules: rawRules.length, keywordWindow: IMPORT_KEYWORD_WINDOW });
  const problems: Problem[] = [];
  loadPackText(file, yaml, problems);
  if (problems.length > 0) throw new PolicyError(problems, 'the imported pack');
  return { yaml, packId, rules: rawRules.length, imported, skipped, warnings, notes };
}

/** `regex` with each named group but `secret` a plain capture group (`(?P<pre>a)` as `(a)`). */
function withoutOtherNames(regex: string): string {
  const parsed = parseRegex(regex);
  let out = regex;
  for (const g of [...parsed.groups].filter((x) => x.name !== undefined && x.name !== 'secret').sort((a, b) => b.openStart - a.openStart)) {
    out = out.slice(0, g.openStart) + '(' + out.slice(g.openEnd);
  }
  return out;
}

function checkOptions(packId: string, prefix: string, category: string, severity: string): void {
  const bad: string[] = [];
  if (!PACK_ID.test(packId)) bad.push(`pack id "${packId}" must match ${PACK_ID.source}`);
  if (prefix !== '' && !ID.test(prefix)) bad.push(`id prefix "${prefix}" must match ${ID.source}`);
  if (!(CATEGORIES as readonly string[]).includes(category)) bad.push(`category "${category}" must be one of ${CATEGORIES.join(', ')}`);
  if (!SEVERITIES.includes(severity as Severity)) bad.push(`severity "${severity}" must be one of ${SEVERITIES.join(', ')}`);
  if (bad.length > 0) throw new LogveilError('IMPORT_OPTIONS', bad.join('; '));
}

function readToml(text: string, file: string): TomlTable {
  try {
    return lowerKeys(parse(text));
  } catch (err) {
    if (err instanceof TomlError) {
      const message = err.message.split('\n')[0] ?? 'invalid TOML';
      throw new PolicyError([{ file, line: err.line, message: `TOML: ${message} (column ${err.column})` }], 'gitleaks config');
    }
    throw err;
  }
}

/** Keys lower-cased, as gitleaks (through viper) reads them: `secretGroup` and `secretgroup` are one key. */
function lowerKeys(value: unknown): TomlTable {
  const out: TomlTable = {};
  for (const [k, v] of Object.entries(value as TomlTable)) out[k.toLowerCase()] = normalize(v);
  return out;
}

function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object' && [null, Object.prototype].includes(Object.getPrototypeOf(value))) return lowerKeys(value);
  return value;
}

/** A table or an array of tables as an array; anything else is an error of the whole config. */
function tables(value: unknown, key: string, file: string): TomlTable[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  if (list.every((t) => t !== null && typeof t === 'object' && !Array.isArray(t))) return list as TomlTable[];
  throw new PolicyError([{ file, line: 1, message: `"${key}" must be a table or an array of tables` }], 'gitleaks config');
}

interface RuleContext {
  ruleId: string;
  index: number;
  prefix: string;
  category: string;
  severity: Severity;
  file: string;
  globalEntries: AllowEntry[];
  targeted: AllowEntry[];
}

type RuleResult = Draft | { skip: SkipCategory; reason: string };

function mapRule(raw: TomlTable, ctx: RuleContext): RuleResult {
  const warnings: string[] = [];
  const notes: string[] = [];
  for (const key of Object.keys(raw)) if (!RULE_KEYS.has(key)) warnings.push(`unknown key "${key}" ignored`);

  if (raw['required'] !== undefined) {
    const ids = tablesOrEmpty(raw['required']).map((t) => String(t['id'] ?? '?'));
    return { skip: 'composite', reason: `composite rule: it reports only with findings of [${ids.join(', ')}] nearby ([[rules.required]]), which a detector cannot require` };
  }
  if (raw['skipreport'] === true) return { skip: 'composite', reason: 'skipReport: the rule reports only as part of a composite rule' };

  const regex = raw['regex'];
  const path = raw['path'];
  if (regex === undefined || regex === '') {
    if (typeof path === 'string' && path !== '') {
      return { skip: 'path-only', reason: `path-only rule (${JSON.stringify(path)}, no regex): it matches file names, and log lines have none` };
    }
    return { skip: 'invalid', reason: 'the rule has neither regex nor path' };
  }
  if (typeof regex !== 'string') return { skip: 'invalid', reason: 'regex is not a string' };
  try {
    new RE2(regex, 'gud');
  } catch (err) {
    return { skip: 'regex', reason: `regex is not valid RE2: ${(err as Error).message}` };
  }
  if (new RE2(regex, 'u').test('')) return { skip: 'regex', reason: 'regex matches the empty string' };
  if (typeof path === 'string' && path !== '') {
    warnings.push(`path restriction ${JSON.stringify(path)} dropped: the detector applies to every log line`);
  }

  const parsed = parseRegex(regex);
  const groupCount = captureCount(regex);
  if (parsed.groups.length !== groupCount) {
    return { skip: 'regex', reason: `regex syntax not understood: ${parsed.groups.length} capture groups found where RE2 counts ${groupCount}` };
  }
  const secretGroup = raw['secretgroup'] ?? 0;
  if (typeof secretGroup !== 'number' || !Number.isInteger(secretGroup) || secretGroup < 0) {
    return { skip: 'invalid', reason: `secretGroup ${JSON.stringify(secretGroup)} is not a non-negative integer` };
  }
  if (secretGroup > parsed.groups.length) {
    return { skip: 'invalid', reason: `secretGroup ${secretGroup} but the regex has ${parsed.groups.length} capture group${parsed.groups.length === 1 ? '' : 's'}` };
  }
  const secretCapture = chooseSecretCapture(parsed, secretGroup, warnings);
  // A group the config itself calls `secret` would narrow logveil's span: only the chosen one may.
  const renamed = parsed.groups.filter((g) => g.name === 'secret' && g.index !== secretCapture).length;
  const named = secretCapture === undefined && renamed === 0 ? regex : nameCapture(regex, parsed, secretCapture, 'secret');
  // Other names mean nothing to a detector, which reports a group named otherwise as a misspelt
  // secret group: each stays a plain capture group, so the groups keep their numbers.
  const detectorRegex = withoutOtherNames(named);
  if (captureCount(detectorRegex) !== groupCount - renamed) {
    return { skip: 'regex', reason: 'regex syntax not understood: renaming the secret group changed the groups' };
  }

  const entropy = raw['entropy'] ?? 0;
  if (typeof entropy !== 'number' || !Number.isFinite(entropy)) return { skip: 'invalid', reason: 'entropy is not a number' };
  if (entropy > 8) return { skip: 'invalid', reason: `entropy ${entropy} is above 8 bits per character, the most the entropy validator takes` };

  const keywordsRaw = raw['keywords'] ?? [];
  if (!Array.isArray(keywordsRaw) || !keywordsRaw.every((k) => typeof k === 'string')) return { skip: 'invalid', reason: 'keywords is not a list of strings' };
  const keywords = [...new Set((keywordsRaw as string[]).map(foldCase).filter((k) => k.length > 0))];

  const allowTables = [...tablesOrEmpty(raw['allowlist']), ...tablesOrEmpty(raw['allowlists'])];
  const allowlist: AllowEntry[] = [];
  allowTables.forEach((t, i) => {
    const translated = translateAllowlist(t, `allowlist ${i + 1}`);
    allowlist.push(...translated.entries);
    warnings.push(...translated.warnings);
    notes.push(...translated.notes);
  });
  allowlist.push(...ctx.targeted, ...ctx.globalEntries);

  const id = detectorId(ctx.prefix, ctx.ruleId);
  if (!id) return { skip: 'invalid', reason: `no valid detector id can be made of "${ctx.ruleId}"` };
  if (id !== ctx.prefix + ctx.ruleId) notes.push(`detector id "${id}" (the gitleaks id is not a valid detector id)`);

  const description = typeof raw['description'] === 'string' && raw['description'].trim() !== '' ? raw['description'].trim() : ctx.ruleId;
  const spec: DetectorSpec = {
    id,
    name: description,
    category: ctx.category,
    severity: ctx.severity,
    label: labelFor(id),
    regex: detectorRegex,
    keywords,
    keywordWindow: IMPORT_KEYWORD_WINDOW,
    allowlist,
    action: { type: 'tokenize' },
    refs: [`gitleaks:${ctx.ruleId}`],
    tests: { match: [], nomatch: [] },
    source: { file: ctx.file, line: 0 },
  };
  if (entropy > 0) spec.validator = { name: 'entropy', params: { min: entropy } };

  const made = synthesizeCase(spec, parsed, secretCapture);
  if (!made.ok) return { skip: 'no-test-case', reason: made.reason };
  return { rule: { ruleId: ctx.ruleId, index: ctx.index, detectorId: id, warnings, notes }, spec, testCase: made.case };
}

/** Capture groups as RE2 counts them: `(?:re)|` matches the empty string, with every group unset. */
function captureCount(regex: string): number {
  return (new RE2(`(?:${regex})|`, 'u').exec('')?.length ?? 1) - 1;
}

function tablesOrEmpty(value: unknown): TomlTable[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.filter((t): t is TomlTable => t !== null && typeof t === 'object' && !Array.isArray(t));
}

/**
 * The capture group logveil should redact, as gitleaks picks the secret: group `secretGroup` when
 * set; otherwise the first non-empty group. That is group 1 when group 1 takes part in every match
 * and cannot be empty; otherwise it depends on the input, and the whole match is redacted instead.
 */
function chooseSecretCapture(parsed: ReturnType<typeof parseRegex>, secretGroup: number, warnings: string[]): number | undefined {
  if (secretGroup > 0 && captureRepeats(parsed.root, secretGroup)) {
    // `(?P<secret>[a-z0-9]{4}-){3}` would redact `9b3c-` and leave the rest in clear.
    warnings.push(`secret span: secretGroup ${secretGroup} is repeated, and a repeated group captures its last repetition only; the detector redacts (and checks entropy and allowlists on) the whole match`);
    return undefined;
  }
  if (secretGroup > 0) return secretGroup;
  if (parsed.groups.length === 0) return undefined;
  if (captureRepeats(parsed.root, 1)) {
    warnings.push('secret span: capture group 1 is repeated, and a repeated group captures its last repetition only; the detector redacts (and checks entropy and allowlists on) the whole match');
    return undefined;
  }
  const first = findCapture(parsed.root, 1);
  if (first && captureAlwaysTakesPart(parsed.root, 1) && minLength(first) > 0) return 1;
  warnings.push(
    `secret span: gitleaks takes the first non-empty of ${parsed.groups.length} capture groups, which depends on the input; the detector redacts (and checks entropy and allowlists on) the whole match`,
  );
  return undefined;
}

/** `prefix + id` as a valid detector id (lower case, runs of other characters as `-`), or undefined. */
function detectorId(prefix: string, ruleId: string): string | undefined {
  const id = (prefix + ruleId).toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+/, '');
  return ID.test(id) ? id : undefined;
}

/**
 * Loads pattern packs from files and directories, validates them against the pack schema and
 * compiles every regex once to prove it is RE2, and reports every problem of every file at once.
 */
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import RE2 from 're2';
import { duplicateIdProblems } from '../config/duplicates.js';
import { specLoader } from '../config/spec-cache.js';
import { itemsClearOf, parseYaml, readPackFiles, schemaCheck, type LoadedYaml } from '../config/yaml.js';
import { PolicyError, type Problem } from '../errors.js';
import type { Severity } from '../record.js';
import { canonicalJson } from '../util/canonical.js';
import {
  labelFor,
  normalizeAction,
  type AllowEntry,
  type DetectorSpec,
  type KeyRuleSpec,
  type MatchCase,
  type PackSpec,
  type PolicySpec,
  type ValidatorRef,
} from './pack.js';
import { foldCase } from './literals.js';
import { captureRepeats, parseWithSecret } from './re2-syntax.js';
import { PACK_SCHEMA } from './schema.js';
import { VALIDATORS } from './validators.js';

const DEFAULT_KEYWORD_WINDOW = 40;

/** Lists the pack files under the given files and directories (`*.yaml`, `*.yml`; not recursive into `routing/`). */
export function listPackFiles(paths: readonly string[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    if (statSync(p).isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (/\.ya?ml$/.test(name)) files.push(join(p, name));
      }
    } else {
      files.push(p);
    }
  }
  return files;
}

/**
 * {@link listPackFiles} of each path in turn: one that cannot be read is a problem of its own
 * (named as `displayBase` makes it), and the others are still listed, their problems found too.
 */
export function packFilesOf(paths: readonly string[], displayBase: string, problems: Problem[]): string[] {
  const files: string[] = [];
  for (const p of paths) {
    try {
      files.push(...listPackFiles([p]));
    } catch (err) {
      problems.push({ file: relative(displayBase, p) || p, line: 0, message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}` });
    }
  }
  return files;
}

/**
 * Loads the packs in `paths` (files or directories). Throws one PolicyError listing every problem.
 * `displayBase` makes file names in messages relative (default: the working directory).
 */
export function loadPolicy(paths: readonly string[], displayBase = process.cwd()): PolicySpec {
  const problems: Problem[] = [];
  const packs: PackSpec[] = [];
  const files = packFilesOf(paths, displayBase, problems);
  const loader = specLoader('pack', loadPackText);
  packs.push(...readPackFiles(files, displayBase, problems, loader.parse));
  checkDuplicates(packs, problems);
  if (problems.length > 0) throw new PolicyError(problems);
  return { packs, hash: loader.hash(() => policyHash(packs)) };
}

/** Parses and checks one pack; appends its problems and returns it when it is usable. */
export function loadPackText(file: string, text: string, problems: Problem[]): PackSpec | undefined {
  const parsed = parseYaml(file, text);
  problems.push(...parsed.problems);
  const doc = parsed.doc;
  if (!doc) return undefined;
  const schema = schemaCheck(doc, PACK_SCHEMA, 'pack');
  problems.push(...schema.problems);
  const raw = doc.value as RawPack;
  if (schema.problems.length > 0) {
    // The pack is not usable, but its well-formed detectors and key rules are still checked.
    const clear = itemsClearOf(schema.paths, ['detectors', 'keyRules']);
    if (clear) {
      (raw.detectors ?? []).forEach((d, i) => clear('detectors', i) && toDetector(doc, d, i, problems));
      (raw.keyRules ?? []).forEach((r, i) => clear('keyRules', i) && toKeyRule(doc, r, i, problems));
    }
    return undefined;
  }
  const pack: PackSpec = {
    id: raw.pack,
    file,
    detectors: (raw.detectors ?? []).map((d, i) => toDetector(doc, d, i, problems)),
    keyRules: (raw.keyRules ?? []).map((r, i) => toKeyRule(doc, r, i, problems)),
    allowlist: raw.allowlist ?? [],
  };
  if (raw.description !== undefined) pack.description = raw.description;
  checkAllowlist(doc, ['allowlist'], pack.allowlist, `pack "${pack.id}"`, problems);
  return pack;
}

interface RawPack {
  pack: string;
  description?: string;
  detectors?: RawDetector[];
  keyRules?: RawKeyRule[];
  allowlist?: AllowEntry[];
}

interface RawDetector {
  id: string;
  name: string;
  category: string;
  severity: Severity;
  label?: string;
  regex: string;
  keywords?: string[];
  keywordWindow?: number;
  block?: 'indented';
  validator?: string | ({ name: string } & Record<string, unknown>);
  allowlist?: AllowEntry[];
  action: unknown;
  refs?: string[];
  tests: { match: Array<string | { text: string; secret?: string }>; nomatch?: string[] };
}

interface RawKeyRule {
  keys: string[];
  mode: 'redact' | 'skip' | 'scan';
  label?: string;
  category?: string;
  severity?: Severity;
  action?: unknown;
  where?: Record<string, string[]>;
  matching?: string;
  strings?: boolean;
}

function toDetector(doc: LoadedYaml, raw: RawDetector, index: number, problems: Problem[]): DetectorSpec {
  const at = (...path: Array<string | number>): number => doc.lineOf(['detectors', index, ...path]);
  const where = `detector "${raw.id}"`;
  const report = (line: number, message: string): void => {
    problems.push({ file: doc.file, line, message: `${where}: ${message}` });
  };

  const regexProblem = re2Problem(raw.regex);
  if (regexProblem) report(at('regex'), regexProblem);
  else if (new RE2(raw.regex, 'u').test('')) report(at('regex'), 'regex matches the empty string');
  else if (secretGroupRepeats(raw.regex)) {
    report(at('regex'), 'the secret group is repeated, and a repeated group captures its last repetition only: put the repeat inside the group, `(?P<secret>(?:...){3})`');
  }

  let validator: ValidatorRef | undefined;
  if (raw.validator !== undefined) {
    const { name, ...params } = typeof raw.validator === 'string' ? { name: raw.validator } : raw.validator;
    const spec = VALIDATORS[name];
    if (!spec) {
      report(at('validator'), `unknown validator "${name}" (known: ${Object.keys(VALIDATORS).join(', ')})`);
    } else {
      for (const issue of spec.checkParams(params)) report(at('validator'), `validator "${name}": ${issue}`);
    }
    validator = { name, params };
  }
  checkAllowlist(doc, ['detectors', index, 'allowlist'], raw.allowlist ?? [], where, problems);

  const match: MatchCase[] = raw.tests.match.map((m, i) => {
    const source = { file: doc.file, line: at('tests', 'match', i) };
    return typeof m === 'string' ? { text: m, source } : { ...m, source };
  });
  const nomatch = (raw.tests.nomatch ?? []).map((text, i) => ({
    text,
    source: { file: doc.file, line: at('tests', 'nomatch', i) },
  }));

  const spec: DetectorSpec = {
    id: raw.id,
    name: raw.name,
    category: raw.category,
    severity: raw.severity,
    label: raw.label ?? labelFor(raw.id),
    regex: raw.regex,
    keywords: (raw.keywords ?? []).map(foldCase),
    keywordWindow: raw.keywordWindow ?? DEFAULT_KEYWORD_WINDOW,
    allowlist: raw.allowlist ?? [],
    action: normalizeAction(raw.action),
    refs: raw.refs ?? [],
    tests: { match, nomatch },
    source: { file: doc.file, line: at() },
  };
  if (validator) spec.validator = validator;
  if (raw.block) spec.block = raw.block;
  return spec;
}

function toKeyRule(doc: LoadedYaml, raw: RawKeyRule, index: number, problems: Problem[]): KeyRuleSpec {
  const line = doc.lineOf(['keyRules', index]);
  if (raw.mode !== 'redact' && (raw.action !== undefined || raw.label !== undefined || raw.strings !== undefined || raw.matching !== undefined)) {
    problems.push({ file: doc.file, line, message: `key rule [${raw.keys.join(', ')}]: label, action, strings and matching apply to mode "redact" only` });
  }
  if (raw.matching !== undefined) {
    const invalid = re2Problem(raw.matching);
    if (invalid) problems.push({ file: doc.file, line: doc.lineOf(['keyRules', index, 'matching']), message: `key rule [${raw.keys.join(', ')}]: matching: ${invalid}` });
  }
  const rule: KeyRuleSpec = {
    keys: raw.keys.map((k) => k.toLowerCase()),
    mode: raw.mode,
    label: raw.label ?? 'SECRET',
    category: raw.category ?? 'credential',
    severity: raw.severity ?? 'high',
    source: { file: doc.file, line },
  };
  if (raw.action !== undefined) rule.action = normalizeAction(raw.action);
  if (raw.where !== undefined) rule.where = Object.fromEntries(Object.entries(raw.where).map(([k, values]) => [k.toLowerCase(), values]));
  if (raw.strings === true) rule.strings = true;
  if (raw.matching !== undefined) rule.matching = raw.matching;
  return rule;
}

function checkAllowlist(
  doc: LoadedYaml,
  path: Array<string | number>,
  entries: readonly AllowEntry[],
  where: string,
  problems: Problem[],
): void {
  entries.forEach((entry, i) => {
    if ('regex' in entry) {
      const issue = re2Problem(entry.regex);
      if (issue) problems.push({ file: doc.file, line: doc.lineOf([...path, i]), message: `${where}: allowlist regex: ${issue}` });
    }
  });
}

/** Explains why a regex is not RE2, in the terms a pattern author knows. */
export function re2Problem(source: string): string | undefined {
  try {
    new RE2(source, 'u');
    return undefined;
  } catch (err) {
    const message = (err as Error).message;
    if (/\(\?[=!]/.test(source)) return `lookahead (?= or (?! is not RE2 syntax (${message})`;
    if (/\(\?<[=!]/.test(source)) return `lookbehind (?<= or (?<! is not RE2 syntax (${message})`;
    if (/\\[1-9]/.test(source)) return `backreference \\N is not RE2 syntax (${message})`;
    return `regex is not valid RE2: ${message}`;
  }
}

function checkDuplicates(packs: readonly PackSpec[], problems: Problem[]): void {
  duplicateIdProblems(packs, (p) => p.detectors, { pack: 'pack', item: 'detector' }, problems);
}

/** SHA-256 of the canonical content of the packs: positions and file names do not count. */
export function policyHash(packs: readonly PackSpec[]): string {
  const canonical = [...packs]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((p) => ({
      id: p.id,
      allowlist: p.allowlist,
      keyRules: p.keyRules.map(({ source: _s, ...rule }) => rule),
      detectors: p.detectors.map(({ source: _s, tests, ...d }) => ({
        ...d,
        tests: { match: tests.match.map(({ source: _m, ...c }) => c), nomatch: tests.nomatch.map((c) => c.text) },
      })),
    }));
  return createHash('sha256').update(canonicalJson(canonical)).digest('hex');
}

/** True when the regex's `secret` group lies inside a repeat (see captureRepeats). */
function secretGroupRepeats(regex: string): boolean {
  const read = parseWithSecret(regex);
  return read?.secret !== undefined && captureRepeats(read.parsed.root, read.secret.index);
}

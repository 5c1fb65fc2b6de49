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
import { parseYaml, readPackFiles, schemaCheck, type LoadedYaml } from '../config/yaml.js';
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
  type SpecSource,
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
  const files = packFilesOf(paths, displayBase, problems);
  // The detector ids of every file in file order, those of a pack that does not load included: a
  // duplicate id is a problem to report with the others, not one to find after they are fixed.
  const seen: PackIds[] = [];
  const loader = specLoader('pack', (file: string, text: string, found: Problem[]): PackSpec | undefined => {
    const read = readPack(file, text, found);
    if (!read.pack && read.ids) seen.push(read.ids);
    return read.pack;
  });
  const packs = readPackFiles(files, displayBase, problems, (file, text, found) => {
    const pack = loader.parse(file, text, found);
    if (pack) seen.push(pack);
    return pack;
  });
  checkDuplicates(seen, problems);
  if (problems.length > 0) throw new PolicyError(problems);
  return { packs, hash: loader.hash(() => policyHash(packs)) };
}

/** Parses and checks one pack; appends its problems and returns it when it is usable. */
export function loadPackText(file: string, text: string, problems: Problem[]): PackSpec | undefined {
  return readPack(file, text, problems).pack;
}

/** The ids of a pack and its detectors, where they are defined: what the checks across packs need. */
interface PackIds {
  /** Absent when the pack's own id is not a string. */
  id?: string;
  file: string;
  detectors: ReadonlyArray<{ id: string; source: SpecSource }>;
}

/**
 * Parses one pack and runs every check on it: the schema, then the checks a schema cannot express
 * on each field the schema found well-formed, whether or not other fields of the pack are. The pack
 * is returned when the schema found no problem in it (its other problems are reported all the
 * same); otherwise its ids are, for the checks across packs.
 */
function readPack(file: string, text: string, problems: Problem[]): { pack?: PackSpec; ids?: PackIds } {
  const parsed = parseYaml(file, text);
  problems.push(...parsed.problems);
  const doc = parsed.doc;
  if (!doc) return {};
  const schema = schemaCheck(doc, PACK_SCHEMA, 'pack');
  problems.push(...schema.problems);
  const sound = soundPaths(schema.paths);
  const raw = isRecord(doc.value) ? doc.value : {};
  const detectors = Array.isArray(raw.detectors) ? (raw.detectors as unknown[]) : [];
  const keyRules = Array.isArray(raw.keyRules) ? (raw.keyRules as unknown[]) : [];
  detectors.forEach((d, i) => isRecord(d) && checkDetector(doc, d, i, sound, problems));
  keyRules.forEach((r, i) => isRecord(r) && checkKeyRule(doc, r, i, sound, problems));
  checkAllowlist(doc, ['allowlist'], raw.allowlist, typeof raw.pack === 'string' ? `pack "${raw.pack}"` : 'pack', sound, problems);
  if (schema.problems.length > 0) {
    const ids = detectors.flatMap((d, i) =>
      isRecord(d) && typeof d.id === 'string' ? [{ id: d.id, source: { file, line: doc.lineOf(['detectors', i]) } }] : [],
    );
    return { ids: { ...(typeof raw.pack === 'string' ? { id: raw.pack } : {}), file, detectors: ids } };
  }
  const valid = raw as unknown as RawPack;
  const pack: PackSpec = {
    id: valid.pack,
    file,
    detectors: (valid.detectors ?? []).map((d, i) => toDetector(doc, d, i)),
    keyRules: (valid.keyRules ?? []).map((r, i) => toKeyRule(doc, r, i)),
    allowlist: valid.allowlist ?? [],
  };
  if (valid.description !== undefined) pack.description = valid.description;
  return { pack };
}

/**
 * Whether the schema found nothing wrong with the value at a path or anywhere inside it. The checks
 * beyond the schema run on such values only: a regex that is not a string, or a validator without
 * a name, has nothing in it they could check.
 */
type Sound = (path: ReadonlyArray<string | number>) => boolean;

function soundPaths(problemPaths: ReadonlyArray<ReadonlyArray<string | number>>): Sound {
  return (path) => !problemPaths.some((p) => path.every((step, i) => p[i] === step));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
  unlessMembers?: string[];
}

/** The checks of one detector beyond the schema: its regex, its validator and its allowlist. */
function checkDetector(doc: LoadedYaml, raw: Record<string, unknown>, index: number, sound: Sound, problems: Problem[]): void {
  const path = ['detectors', index];
  const where = typeof raw.id === 'string' ? `detector "${raw.id}"` : `detectors[${index}]`;
  const report = (field: string, message: string): void => {
    problems.push({ file: doc.file, line: doc.lineOf([...path, field]), message: `${where}: ${message}` });
  };

  const regex = raw.regex;
  if (typeof regex === 'string' && sound([...path, 'regex'])) {
    const regexProblem = re2Problem(regex);
    if (regexProblem) report('regex', regexProblem);
    else if (new RE2(regex, 'u').test('')) report('regex', 'regex matches the empty string');
    else if (secretGroupRepeats(regex)) {
      report('regex', 'the secret group is repeated, and a repeated group captures its last repetition only: put the repeat inside the group, `(?P<secret>(?:...){3})`');
    }
    // A misspelt secret group (`(?P<secrt>...)`) would leave the whole match redacted, unsaid.
    for (const m of regex.matchAll(NAMED_GROUP)) {
      if (m[1] !== 'secret') report('regex', `group "${m[1]}": only a group named "secret" marks the span to redact; name it secret, or make it (?:...)`);
    }
  }

  if (raw.validator !== undefined && sound([...path, 'validator'])) {
    const { name, ...params } = validatorRef(raw.validator as NonNullable<RawDetector['validator']>);
    const spec = VALIDATORS[name];
    if (!spec) {
      report('validator', `unknown validator "${name}" (known: ${Object.keys(VALIDATORS).join(', ')})`);
    } else {
      for (const issue of spec.checkParams(params)) report('validator', `validator "${name}": ${issue}`);
    }
  }
  checkAllowlist(doc, [...path, 'allowlist'], raw.allowlist, where, sound, problems);
}

function validatorRef(raw: NonNullable<RawDetector['validator']>): { name: string } & Record<string, unknown> {
  return typeof raw === 'string' ? { name: raw } : raw;
}

/** The checks of one key rule beyond the schema: fields of mode `redact` only, and its `matching` regex. */
function checkKeyRule(doc: LoadedYaml, raw: Record<string, unknown>, index: number, sound: Sound, problems: Problem[]): void {
  const path = ['keyRules', index];
  const where = Array.isArray(raw.keys) && sound([...path, 'keys']) ? `key rule [${(raw.keys as string[]).join(', ')}]` : `keyRules[${index}]`;
  const redactOnly = raw.action !== undefined || raw.label !== undefined || raw.strings !== undefined || raw.matching !== undefined || raw.unlessMembers !== undefined;
  if (redactOnly && typeof raw.mode === 'string' && raw.mode !== 'redact' && sound([...path, 'mode'])) {
    problems.push({ file: doc.file, line: doc.lineOf(path), message: `${where}: label, action, strings, matching and unlessMembers apply to mode "redact" only` });
  }
  if (typeof raw.matching === 'string' && sound([...path, 'matching'])) {
    const invalid = re2Problem(raw.matching);
    if (invalid) problems.push({ file: doc.file, line: doc.lineOf([...path, 'matching']), message: `${where}: matching: ${invalid}` });
  }
}

/** The regexes of an allowlist that the schema found well-formed, each compiled as RE2. */
function checkAllowlist(doc: LoadedYaml, path: Array<string | number>, entries: unknown, where: string, sound: Sound, problems: Problem[]): void {
  if (!Array.isArray(entries)) return;
  entries.forEach((entry: unknown, i) => {
    if (!isRecord(entry) || typeof entry.regex !== 'string' || !sound([...path, i, 'regex'])) return;
    const issue = re2Problem(entry.regex);
    if (issue) problems.push({ file: doc.file, line: doc.lineOf([...path, i]), message: `${where}: allowlist regex: ${issue}` });
  });
}

/** A detector of a pack the schema and the checks found no problem in. */
function toDetector(doc: LoadedYaml, raw: RawDetector, index: number): DetectorSpec {
  const at = (...path: Array<string | number>): number => doc.lineOf(['detectors', index, ...path]);
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
  if (raw.validator !== undefined) {
    const { name, ...params } = validatorRef(raw.validator);
    spec.validator = { name, params } satisfies ValidatorRef;
  }
  if (raw.block) spec.block = raw.block;
  return spec;
}

/** A key rule of a pack the schema and the checks found no problem in. */
function toKeyRule(doc: LoadedYaml, raw: RawKeyRule, index: number): KeyRuleSpec {
  const rule: KeyRuleSpec = {
    keys: raw.keys.map((k) => k.toLowerCase()),
    mode: raw.mode,
    label: raw.label ?? 'SECRET',
    category: raw.category ?? 'credential',
    severity: raw.severity ?? 'high',
    source: { file: doc.file, line: doc.lineOf(['keyRules', index]) },
  };
  if (raw.action !== undefined) rule.action = normalizeAction(raw.action);
  if (raw.where !== undefined) rule.where = Object.fromEntries(Object.entries(raw.where).map(([k, values]) => [k.toLowerCase(), values]));
  if (raw.strings === true) rule.strings = true;
  if (raw.matching !== undefined) rule.matching = raw.matching;
  if (raw.unlessMembers !== undefined) rule.unlessMembers = raw.unlessMembers.map((k) => k.toLowerCase());
  return rule;
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

/**
 * Pack ids used twice, then detector ids used twice. A pack whose own id is missing or not a string
 * takes no part in the first check, while its detectors take part in the second, so the two run
 * apart: the second over one list of every detector, in file order.
 */
function checkDuplicates(packs: readonly PackIds[], problems: Problem[]): void {
  const what = { pack: 'pack', item: 'detector' };
  const named = packs.filter((p): p is PackIds & { id: string } => p.id !== undefined);
  duplicateIdProblems(named, () => [], what, problems);
  duplicateIdProblems([{ id: '', file: '', detectors: packs.flatMap((p) => p.detectors) }], (p) => p.detectors, what, problems);
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

/** A named group of a regex, RE2's two spellings (not a lookbehind, which RE2 has none of). */
const NAMED_GROUP = /\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/g;

/** True when the regex's `secret` group lies inside a repeat (see captureRepeats). */
function secretGroupRepeats(regex: string): boolean {
  const read = parseWithSecret(regex);
  return read?.secret !== undefined && captureRepeats(read.parsed.root, read.secret.index);
}

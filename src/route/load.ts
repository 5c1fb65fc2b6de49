/**
 * Loads routing packs (`patterns/routing/*.yaml`) through the same YAML + schema loader as the
 * detector packs, checks what the schema cannot (RE2 syntax, field paths, capture names, that the
 * raw-line prefilter can serve every rule, unique ids) and reports every problem of every file at
 * once, each at file:line.
 */
import { createHash } from 'node:crypto';
import RE2 from 're2';
import { duplicateIdProblems } from '../config/duplicates.js';
import { withSpecCache } from '../config/spec-cache.js';
import { itemsClearOf, parseYaml, readPackFiles, schemaCheck, type LoadedYaml } from '../config/yaml.js';
import { packFilesOf, re2Problem } from '../detect/load.js';
import { PolicyError, type Problem } from '../errors.js';
import type { JsonValue, Severity } from '../record.js';
import { canonicalJson } from '../util/canonical.js';
import { parsePath } from './path.js';
import { groupPatterns } from './prefilter.js';
import { ROUTING_SCHEMA } from './schema.js';
import { capturePatterns, type ConditionGroup, type FieldCondition, type GroupBy, type RoutingPackSpec, type RoutingRuleSpec, type RoutingSpec, type Scalar } from './spec.js';

type Path = Array<string | number>;

/**
 * Loads the routing packs in `paths` (files, or directories of `*.yaml` / `*.yml`). Throws one
 * PolicyError listing every problem. `displayBase` makes file names in messages relative.
 */
export function loadRoutingRules(paths: readonly string[], displayBase = process.cwd()): RoutingSpec {
  const problems: Problem[] = [];
  const files = packFilesOf(paths, displayBase, problems);
  const packs = readPackFiles(files, displayBase, problems, withSpecCache('routing', loadRoutingText));
  checkDuplicates(packs, problems);
  if (problems.length > 0) throw new PolicyError(problems, 'routing rules');
  return { packs, hash: routingHash(packs) };
}

/** Parses and checks one routing pack; appends its problems and returns it when it is usable. */
export function loadRoutingText(file: string, text: string, problems: Problem[]): RoutingPackSpec | undefined {
  const parsed = parseYaml(file, text);
  problems.push(...parsed.problems);
  const doc = parsed.doc;
  if (!doc) return undefined;
  const schema = schemaCheck(doc, ROUTING_SCHEMA, 'routing pack');
  problems.push(...schema.problems);
  const raw = doc.value as RawPack;
  if (schema.problems.length > 0) {
    // The pack is not usable, but its well-formed rules are still checked.
    const clear = itemsClearOf(schema.paths, ['rules']);
    if (clear) raw.rules.forEach((r, i) => clear('rules', i) && toRule(doc, r, i, problems));
    return undefined;
  }
  const pack: RoutingPackSpec = { id: raw.pack, file, rules: raw.rules.map((r, i) => toRule(doc, r, i, problems)) };
  if (raw.description !== undefined) pack.description = raw.description;
  return pack;
}

interface RawGroup {
  fields?: Record<string, Scalar | Scalar[] | { equals?: Scalar; in?: Scalar[]; regex?: string; exists?: boolean }>;
  text?: string | string[];
  any?: RawGroup[];
  all?: RawGroup[];
  not?: RawGroup | RawGroup[];
  some?: RawSome | RawSome[];
}

interface RawSome {
  path: string | string[];
  where: RawGroup;
}

interface RawRule {
  id: string;
  name: string;
  description?: string;
  category: string;
  severity: Severity;
  mitre?: string | string[];
  appStream?: 'keep' | 'remove';
  when: RawGroup;
  threshold?: { count: number; windowSeconds: number; groupBy?: Array<string | { capture: string }> };
  refs?: string[];
  tests: { match: JsonValue[]; nomatch: JsonValue[] };
}

interface RawPack {
  pack: string;
  description?: string;
  rules: RawRule[];
}

function toRule(doc: LoadedYaml, raw: RawRule, index: number, problems: Problem[]): RoutingRuleSpec {
  const base: Path = ['rules', index];
  const report = (path: Path, message: string): void => {
    problems.push({ file: doc.file, line: doc.lineOf([...base, ...path]), message: `rule "${raw.id}": ${message}` });
  };
  const when = toGroup(raw.when, ['when'], report);
  if (!groupPatterns(when)) {
    report(['when'], 'no condition the raw-line prefilter can use: add a field condition (a value, `regex` or `exists: true`) or a `text` pattern outside `not`');
  }
  const groupBy: GroupBy[] = (raw.threshold?.groupBy ?? []).map((g, i) => {
    if (typeof g !== 'string') {
      const names = capturePatterns(when).flatMap((t) => captureNames(t));
      if (!names.includes(g.capture)) report(['threshold', 'groupBy', i], `capture "${g.capture}" is not a named group of the rule's text patterns`);
      return { capture: g.capture };
    }
    const parsed = parsePath(g);
    if (typeof parsed === 'string') report(['threshold', 'groupBy', i], parsed);
    return { field: g };
  });
  const cases = (kind: 'match' | 'nomatch') =>
    raw.tests[kind].map((record, i) => ({ record, source: { file: doc.file, line: doc.lineOf([...base, 'tests', kind, i]) } }));
  const spec: RoutingRuleSpec = {
    id: raw.id,
    name: raw.name,
    category: raw.category,
    severity: raw.severity,
    mitre: raw.mitre === undefined ? [] : typeof raw.mitre === 'string' ? [raw.mitre] : raw.mitre,
    when,
    refs: raw.refs ?? [],
    tests: { match: cases('match'), nomatch: cases('nomatch') },
    source: { file: doc.file, line: doc.lineOf(base) },
  };
  if (raw.description !== undefined) spec.description = raw.description;
  if (raw.appStream !== undefined) spec.appStream = raw.appStream;
  if (raw.threshold) spec.threshold = { count: raw.threshold.count, windowSeconds: raw.threshold.windowSeconds, groupBy };
  return spec;
}

function toGroup(raw: RawGroup, at: Path, report: (path: Path, message: string) => void): ConditionGroup {
  const group: ConditionGroup = {};
  if (raw.fields) {
    group.fields = {};
    for (const [path, value] of Object.entries(raw.fields)) {
      const parsed = parsePath(path);
      if (typeof parsed === 'string') report([...at, 'fields', path], parsed);
      const condition = toFieldCondition(value);
      if ('regex' in condition) {
        const issue = re2Problem(condition.regex);
        if (issue) report([...at, 'fields', path], `field "${path}": ${issue}`);
      }
      group.fields[path] = condition;
    }
  }
  if (raw.text !== undefined) {
    group.text = typeof raw.text === 'string' ? [raw.text] : raw.text;
    group.text.forEach((t, i) => {
      const where: Path = typeof raw.text === 'string' ? [...at, 'text'] : [...at, 'text', i];
      const issue = re2Problem(t);
      if (issue) report(where, `text: ${issue}`);
      else if (new RE2(t, 'u').test('')) report(where, 'text pattern matches the empty string');
    });
  }
  if (raw.all) group.all = raw.all.map((g, i) => toGroup(g, [...at, 'all', i], report));
  if (raw.any) group.any = raw.any.map((g, i) => toGroup(g, [...at, 'any', i], report));
  if (raw.not) {
    const list = Array.isArray(raw.not) ? raw.not : [raw.not];
    group.not = list.map((g, i) => toGroup(g, Array.isArray(raw.not) ? [...at, 'not', i] : [...at, 'not'], report));
  }
  if (raw.some) {
    const list = Array.isArray(raw.some) ? raw.some : [raw.some];
    group.some = list.map((s, i) => {
      const where: Path = Array.isArray(raw.some) ? [...at, 'some', i] : [...at, 'some'];
      const paths = typeof s.path === 'string' ? [s.path] : s.path;
      for (const p of paths) {
        const parsed = parsePath(p);
        if (typeof parsed === 'string') report([...where, 'path'], parsed);
      }
      return { path: paths, where: toGroup(s.where, [...where, 'where'], report) };
    });
  }
  return group;
}

function toFieldCondition(raw: NonNullable<RawGroup['fields']>[string]): FieldCondition {
  if (Array.isArray(raw)) return { in: raw };
  if (typeof raw !== 'object') return { in: [raw] };
  if (raw.equals !== undefined) return { in: [raw.equals] };
  if (raw.in !== undefined) return { in: raw.in };
  if (raw.regex !== undefined) return { regex: raw.regex };
  return { exists: raw.exists === true };
}

/** Names of the `(?P<name>...)` / `(?<name>...)` groups of a pattern. */
function captureNames(pattern: string): string[] {
  return [...pattern.matchAll(/\(\?P?<([A-Za-z_][A-Za-z0-9_]*)>/g)].map((m) => m[1] as string);
}

function checkDuplicates(packs: readonly RoutingPackSpec[], problems: Problem[]): void {
  duplicateIdProblems(packs, (p) => p.rules, { pack: 'routing pack', item: 'rule' }, problems);
}

/** SHA-256 of the canonical content of the routing packs: positions and file names do not count. */
export function routingHash(packs: readonly RoutingPackSpec[]): string {
  const canonical = [...packs]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((p) => ({
      id: p.id,
      rules: p.rules.map(({ source: _s, tests, ...rule }) => ({
        ...rule,
        tests: { match: tests.match.map((c) => c.record), nomatch: tests.nomatch.map((c) => c.record) },
      })),
    }));
  return createHash('sha256').update(canonicalJson(canonical)).digest('hex');
}

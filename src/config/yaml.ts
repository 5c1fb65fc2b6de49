/**
 * YAML documents validated against a JSON schema, with every problem mapped back to file:line.
 * Pattern packs, routing rules and the config file all load through here.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { relative } from 'node:path';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type { Document, LineCounter, YAMLError } from 'yaml';
import type { Problem } from '../errors.js';

// The parser and the schema compiler load on first use: a start whose pack files all come from
// the build's cache (see spec-cache.ts) needs neither (about 75 ms of module loading).
const load = createRequire(import.meta.url);
let yamlModule: typeof import('yaml') | undefined;
const yaml = (): typeof import('yaml') => (yamlModule ??= load('yaml') as typeof import('yaml'));
let ajv: Ajv | undefined;
const schemaCompiler = (): Ajv => (ajv ??= new (load('ajv') as typeof import('ajv')).Ajv({ allErrors: true, strict: false }));

export interface LoadedYaml {
  file: string;
  value: unknown;
  /** Line of the node at a path (`['detectors', 3, 'regex']`); the nearest ancestor's line if absent. */
  lineOf(path: ReadonlyArray<string | number>): number;
  /**
   * Line of the key of the mapping member at a path (`['detectors', 3, 'extra']`), which is the
   * line to fix even when the member's value is a block below it; {@link lineOf} if there is no such key.
   */
  keyLineOf(path: ReadonlyArray<string | number>): number;
}

/** Parses YAML text; problems are returned rather than thrown so callers can gather all of them. */
export function parseYaml(file: string, text: string): { doc?: LoadedYaml; problems: Problem[] } {
  const { LineCounter, parseDocument } = yaml();
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const problems: Problem[] = [...document.errors, ...document.warnings].map((e) => ({
    file,
    line: e.linePos?.[0]?.line ?? 1,
    message: `YAML: ${yamlMessage(e)}`,
  }));
  if (document.errors.length > 0) return { problems };
  const lineOf = (path: ReadonlyArray<string | number>): number => nodeLine(document, lineCounter, path);
  const keyLineOf = (path: ReadonlyArray<string | number>): number => keyLine(document, lineCounter, path) ?? lineOf(path);
  let value: unknown;
  try {
    value = document.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // An alias bomb (aliases of aliases, each expanded many times) past the expansion bound.
    if (!(err instanceof ReferenceError)) throw err;
    return { problems: [...problems, { file, line: 1, message: `YAML: ${err.message.split('\n')[0]}` }] };
  }
  return { doc: { file, value, lineOf, keyLineOf }, problems };
}

/**
 * The parser's message without what `prettyErrors` adds to it: ` at line L, column C`, then a colon
 * and the source lines with a pointer, which a one-line problem would cut after the colon. The
 * problem carries the line; the column stays in the message.
 */
function yamlMessage(e: YAMLError): string {
  const at = e.linePos?.[0];
  const suffix = at ? ` at line ${at.line}, column ${at.col}` : undefined;
  const cut = suffix === undefined ? -1 : e.message.indexOf(suffix);
  const message = (cut >= 0 ? e.message.slice(0, cut) : e.message).split('\n')[0] ?? '';
  return at ? `${message} (column ${at.col})` : message;
}

function nodeLine(document: Document, lineCounter: LineCounter, path: ReadonlyArray<string | number>): number {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = document.getIn(path.slice(0, n), true);
    if (yaml().isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return 1;
}

function keyLine(document: Document, lineCounter: LineCounter, path: ReadonlyArray<string | number>): number | undefined {
  const { isMap, isScalar } = yaml();
  const parent: unknown = document.getIn(path.slice(0, -1), true);
  if (path.length === 0 || !isMap(parent)) return undefined;
  const name = path[path.length - 1];
  const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === name);
  const range = isScalar(pair?.key) ? pair.key.range : undefined;
  return range ? lineCounter.linePos(range[0]).line : undefined;
}

const compiled = new WeakMap<object, ValidateFunction>();

/** Validates a document against a schema; one problem per distinct failing location. */
export function schemaProblems(doc: LoadedYaml, schema: object, what: string): Problem[] {
  return schemaCheck(doc, schema, what).problems;
}

/** As {@link schemaProblems}, with the path of the value each problem is about. */
export function schemaCheck(doc: LoadedYaml, schema: object, what: string): { problems: Problem[]; paths: Array<Array<string | number>> } {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = schemaCompiler().compile(schema);
    compiled.set(schema, validate);
  }
  if (validate(doc.value)) return { problems: [], paths: [] };
  const errors = condense(validate.errors ?? []);
  const paths = errors.map((e) => pointerToPath(e.instancePath));
  const problems = errors.map((e, i) => {
    const path = paths[i] as Array<string | number>;
    // An unknown field is at its own line, not at the first line of the object that holds it.
    const line = e.keyword === 'additionalProperties' ? doc.keyLineOf([...path, String((e.params as Record<string, unknown>).additionalProperty)]) : doc.lineOf(path);
    return { file: doc.file, line, message: `${what}${describePath(path)}: ${describeError(e)}` };
  });
  return { problems, paths };
}

/**
 * The items of the lists named (`detectors`, `keyRules`) that no schema problem is about, by list
 * and index; undefined when a problem is about something else (the document, a list as a whole),
 * since then nothing in it can be trusted. A pack whose one item is malformed still has the others
 * checked, so that its every problem is reported at once.
 */
export function itemsClearOf(paths: ReadonlyArray<ReadonlyArray<string | number>>, lists: readonly string[]): ((list: string, index: number) => boolean) | undefined {
  const bad = new Set<string>();
  for (const p of paths) {
    if (typeof p[0] !== 'string' || !lists.includes(p[0]) || typeof p[1] !== 'number') return undefined;
    bad.add(`${p[0]}\0${p[1]}`);
  }
  return (list, index) => !bad.has(`${list}\0${index}`);
}

/** `oneOf` failures produce one error per branch; keep the most useful per location. */
function condense(errors: ErrorObject[]): ErrorObject[] {
  const byPath = new Map<string, ErrorObject[]>();
  for (const e of errors) {
    const list = byPath.get(e.instancePath) ?? [];
    list.push(e);
    byPath.set(e.instancePath, list);
  }
  const out: ErrorObject[] = [];
  for (const [path, list] of byPath) {
    // A deeper error under this path explains the failure better than the generic oneOf.
    const deeper = errors.some((e) => e.instancePath.startsWith(path + '/'));
    const specific = list.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'type' && e.keyword !== 'const');
    if (specific.length > 0) out.push(...dedupe(specific));
    else if (!deeper) out.push(list.find((e) => e.keyword === 'oneOf') ?? list[0]!);
  }
  return out;
}

function dedupe(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.keyword}:${describeError(e)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function pointerToPath(pointer: string): Array<string | number> {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describePath(path: ReadonlyArray<string | number>): string {
  return path.length === 0 ? '' : ' ' + path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').slice(0);
}

function describeError(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `missing required field "${String(p.missingProperty)}"`;
    case 'additionalProperties':
      return `unknown field "${String(p.additionalProperty)}"`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'oneOf':
      return 'does not match any allowed form';
    default:
      return e.message ?? e.keyword;
  }
}

/**
 * Reads every pack file in `files` and hands each text to `parse`, gathering
 * read errors as problems; file names in messages are relative to `displayBase`.
 */
export function readPackFiles<T>(
  files: readonly string[],
  displayBase: string,
  problems: Problem[],
  parse: (file: string, text: string, problems: Problem[]) => T | undefined,
): T[] {
  const out: T[] = [];
  for (const path of files) {
    const file = relative(displayBase, path) || path;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      problems.push({ file, line: 0, message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}` });
      continue;
    }
    const item = parse(file, text, problems);
    if (item) out.push(item);
  }
  return out;
}

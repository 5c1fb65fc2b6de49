/**
 * Pack files as the build found them: `npm run build` loads every YAML file under `patterns/`
 * (detector packs, routing packs, opt-in packs) and writes what each one loads to, next to the
 * compiled loader, keyed by the SHA-256 of the file's text. Loading a file whose text is known
 * then takes a JSON parse instead of the YAML parse, the schema check, the RE2 compile checks and
 * the line look-ups (about half a second of every start with the built-in packs). A file whose
 * text differs by one byte is parsed as usual, and so is everything when the cache is absent (the
 * TypeScript sources under test have none) or was made by other code than the code beside it (a
 * build that compiled but did not finish): the cache names the SHA-256 of every compiled module.
 * Checks across files (duplicate ids) always run.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readdirSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { seedAnalyses, type sharedAnalyses } from '../detect/literals.js';
import { automataBytes, automataFromBytes, seedAutomata, type AutomatonEntry, type SharedAutomaton } from '../detect/shared-automata.js';
import type { Problem } from '../errors.js';

/** What a file loads to, per loader: detector packs and routing packs. */
export type SpecKind = 'pack' | 'routing';

type Parse<T> = (file: string, text: string, problems: Problem[]) => T | undefined;
type Analyses = ReturnType<typeof sharedAnalyses>;

interface CacheFile {
  v: 1;
  /** {@link codeFingerprint} of the code that made the cache. */
  code: string;
  /** `<kind>:<sha256 of the text>` -> the loaded spec as JSON, its file name written as {@link FILE}. */
  entries: Record<string, string>;
  /**
   * The pattern analyses of the default policy with its routing rules (see `sharedAnalyses` in
   * literals.ts): pure functions of each pattern, taken in when the cache is read, so that
   * compiling the policy skips them too (about 0.1 s).
   */
  analyses: Analyses;
  /**
   * The default policy's literal automaton (see detect/shared-automata.ts), taken in when the cache
   * is read: where its tables lie in the file of bytes beside the cache ({@link automataFileOf}),
   * that file's length and SHA-256 (a table that misses a literal would let a line pass the
   * prefilter unread: one byte off, and the file is not used), and the byte order it was written in.
   */
  automata?: { entries: AutomatonEntry[]; bytes: number; sha256: string; littleEndian: boolean };
  /**
   * Policy hashes (see `policyHash` in detect/load.ts) by {@link setKeyOf} of the files loaded: a
   * function of their texts alone, as file names and lines are left out of it (about 40 ms of a
   * start with the built-in packs).
   */
  hashes?: Record<string, string>;
}

/** Stands for the file's display name, which depends on where the file is loaded from. */
const FILE = '\u0000file\u0000';
const FILE_JSON = JSON.stringify(FILE);

/** Where the build writes the cache: beside this module, so only the compiled loader reads it. */
export const SPEC_CACHE_URL = new URL('./spec-cache.json', import.meta.url);

/** The compiled modules: the directory above this one (`dist/`; `src/` under test, which has none). */
const CODE_DIR = fileURLToPath(new URL('../', import.meta.url));

/** SHA-256 over the path (below `dir`) and content of every `.js` file under `dir`, in path order. */
export function codeFingerprint(dir: string = CODE_DIR): string {
  const hash = createHash('sha256');
  const walk = (at: string): void => {
    for (const e of readdirSync(at, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = join(at, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.js')) hash.update(`${relative(dir, path)}\0`).update(readFileSync(path)).update('\0');
    }
  };
  walk(dir);
  return hash.digest('hex');
}

function keyOf(kind: SpecKind, text: string): string {
  return `${kind}:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

/** One key for the texts of a set of files, in any order (the keys of {@link keyOf}). */
function setKeyOf(keys: readonly string[]): string {
  return createHash('sha256').update([...keys].sort().join('\n')).digest('hex');
}

/** The cache entry of a policy's hash: the texts of its files and the hash they load to. */
export function hashEntry(kind: SpecKind, texts: readonly string[], hash: string): [string, string] {
  return [setKeyOf(texts.map((t) => keyOf(kind, t))), hash];
}

/** One cache file, read on the first question; used only when it was made by `code`. */
export class SpecCache {
  readonly #location: URL | string;
  readonly #code: () => string;
  #entries: Map<string, string> | undefined;
  #hashes = new Map<string, string>();

  constructor(location: URL | string, code: () => string = () => codeFingerprint()) {
    this.#location = location;
    this.#code = code;
  }

  /** The spec the build recorded for this text, with `file` as its display name; undefined when unknown. */
  get<T>(kind: SpecKind, text: string, file: string): T | undefined {
    return this.entry<T>(keyOf(kind, text), file);
  }

  /** {@link get} by the text's key. */
  entry<T>(key: string, file: string): T | undefined {
    const json = this.#known().get(key);
    return json === undefined ? undefined : (JSON.parse(json.split(FILE_JSON).join(JSON.stringify(file))) as T);
  }

  /** The hash the build recorded for the policy of these texts (by their keys); `compute` where it recorded none. */
  hash(keys: readonly string[], compute: () => string): string {
    this.#known();
    return this.#hashes.get(setKeyOf(keys)) ?? compute();
  }

  #known(): Map<string, string> {
    if (!this.#entries) {
      this.#entries = new Map();
      let cache: CacheFile | undefined;
      try {
        cache = JSON.parse(readFileSync(this.#location, 'utf8')) as CacheFile;
      } catch {
        // No cache (sources, or a build without one): every file is parsed.
      }
      if (cache?.v === 1 && cache.code === this.#code()) {
        this.#entries = new Map(Object.entries(cache.entries));
        this.#hashes = new Map(Object.entries(cache.hashes ?? {}));
        seedAnalyses(cache.analyses);
        if (cache.automata) seedAutomata(readAutomata(automataFileOf(this.#location), cache.automata));
      }
    }
    return this.#entries;
  }
}

const built = new SpecCache(SPEC_CACHE_URL);

/** `parse`, answered from the build's cache for a text the build loaded. */
export function withSpecCache<T>(kind: SpecKind, parse: Parse<T>, cache: SpecCache = built): Parse<T> {
  return specLoader(kind, parse, cache).parse;
}

/**
 * {@link withSpecCache}, which also keeps the key of every text it is given: `hash` then answers
 * the policy hash of those files from the cache, where the build recorded it, and computes it
 * elsewhere.
 */
export function specLoader<T>(kind: SpecKind, parse: Parse<T>, cache: SpecCache = built): { parse: Parse<T>; hash: (compute: () => string) => string } {
  const keys: string[] = [];
  return {
    parse: (file, text, problems) => {
      const key = keyOf(kind, text);
      keys.push(key);
      return cache.entry<T>(key, file) ?? parse(file, text, problems);
    },
    hash: (compute) => cache.hash(keys, compute),
  };
}

/**
 * The cache entry of one file: what `parse` loads it to, when it loads without a problem and the
 * entry gives back exactly that spec under another file name (no value of the pack holds the
 * stand-in for the name).
 */
export function specEntry<T>(kind: SpecKind, text: string, parse: Parse<T>): [string, string] | undefined {
  const problems: Problem[] = [];
  const spec = parse(FILE, text, problems);
  if (spec === undefined || problems.length > 0) return undefined;
  const json = JSON.stringify(spec);
  const probe = 'probe.yaml';
  const back: unknown = JSON.parse(json.split(FILE_JSON).join(JSON.stringify(probe)));
  if (!isDeepStrictEqual(back, parse(probe, text, []))) return undefined;
  return [keyOf(kind, text), json];
}

/** The YAML files under `dir`, each with its kind: routing packs in `routing/` directories, detector packs elsewhere. */
export function packFilesUnder(dir: string, kind: SpecKind = 'pack'): Array<{ path: string; kind: SpecKind }> {
  const out: Array<{ path: string; kind: SpecKind }> = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...packFilesUnder(path, e.name === 'routing' ? 'routing' : kind));
    else if (/\.ya?ml$/.test(e.name)) out.push({ path, kind });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/**
 * Writes a cache of the given files (each read with the loader of its kind), of `analyses` and of
 * `automata`; returns how many of the files it holds.
 */
export function writeSpecCache(
  files: ReadonlyArray<{ path: string; kind: SpecKind }>,
  parsers: { [K in SpecKind]: Parse<unknown> },
  seeds: { analyses: Analyses; automata?: readonly SharedAutomaton[]; hashes?: ReadonlyArray<[string, string]> },
  out: URL | string = SPEC_CACHE_URL,
  code: string = codeFingerprint(),
): number {
  const automata = automataBytes(seeds.automata ?? []);
  const cache: CacheFile = { v: 1, code, entries: {}, analyses: seeds.analyses, automata: { entries: automata.entries, bytes: automata.bytes.length, sha256: createHash('sha256').update(automata.bytes).digest('hex'), littleEndian: endianness() === 'LE' } };
  if (seeds.hashes && seeds.hashes.length > 0) cache.hashes = Object.fromEntries(seeds.hashes);
  for (const f of files) {
    const entry = specEntry(f.kind, readFileSync(f.path, 'utf8'), parsers[f.kind]);
    if (entry) cache.entries[entry[0]] = entry[1];
  }
  // The bytes first: a cache whose file of automata is missing or short is read without them.
  writeFileSync(automataFileOf(out), automata.bytes);
  writeFileSync(out, JSON.stringify(cache));
  return Object.keys(cache.entries).length;
}

/** Where the automata of the cache at `location` are written: beside it. */
export function automataFileOf(location: URL | string): URL | string {
  return typeof location === 'string' ? `${location}.automata` : new URL(`${location.href}.automata`);
}

/** The automata `meta` describes, read from `file` into shared memory; none when the file is not the one the cache was written with (length and SHA-256, about 5 ms). */
function readAutomata(file: URL | string, meta: NonNullable<CacheFile['automata']>): SharedAutomaton[] {
  if (meta.littleEndian !== (endianness() === 'LE')) return [];
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    if (fstatSync(fd).size !== meta.bytes) return [];
    const memory = new SharedArrayBuffer(meta.bytes);
    const view = new Uint8Array(memory);
    for (let at = 0; at < view.length; ) {
      const n = readSync(fd, view, at, view.length - at, at);
      if (n === 0) return [];
      at += n;
    }
    if (createHash('sha256').update(view).digest('hex') !== meta.sha256) return [];
    return automataFromBytes(meta.entries, memory);
  } catch {
    // No file, or not readable: the policy builds its automaton.
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

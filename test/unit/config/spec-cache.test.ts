import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { builtinPatternsDir } from '../../../src/config/config.js';
import { automataFileOf, codeFingerprint, hashEntry, packFilesUnder, SpecCache, specEntry, specLoader, withSpecCache, writeSpecCache } from '../../../src/config/spec-cache.js';
import { buildAutomaton } from '../../../src/detect/literal-automaton.js';
import { automatonOf, sharedAutomata, wordsDigest } from '../../../src/detect/shared-automata.js';
import { analyze, selectivePrefix, sharedAnalyses } from '../../../src/detect/literals.js';
import { listPackFiles, loadPackText, loadPolicy, policyHash } from '../../../src/detect/load.js';
import type { Problem } from '../../../src/errors.js';
import { loadRoutingRules, loadRoutingText } from '../../../src/route/load.js';

const parsers = { pack: loadPackText, routing: loadRoutingText };
const builtinFiles = packFilesUnder(builtinPatternsDir());

function tempCachePath(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'logveil-spec-cache-')), 'spec-cache.json');
  expect(writeSpecCache(builtinFiles, parsers, { analyses: sharedAnalyses() }, path, 'code-1')).toBe(builtinFiles.length);
  return path;
}

const tempCache = (): SpecCache => new SpecCache(tempCachePath(), () => 'code-1');

describe('the spec cache of pack files', () => {
  it('finds every built-in file: detector, routing and opt-in packs', () => {
    const names = builtinFiles.map((f) => `${f.kind}:${basename(f.path)}`);
    expect(names).toEqual(expect.arrayContaining(['pack:pii.yaml', 'pack:secrets.yaml', 'pack:us-ssn-unformatted.yaml', 'routing:identity.yaml']));
    expect(builtinFiles.filter((f) => f.kind === 'routing').every((f) => f.path.includes('/routing/'))).toBe(true);
  });

  it('gives back, under any file name, exactly what parsing the file gives', () => {
    const cache = tempCache();
    for (const f of builtinFiles) {
      const text = readFileSync(f.path, 'utf8');
      for (const file of ['patterns/x.yaml', 'C:\\packs\\"quoted" name.yaml']) {
        const problems: Problem[] = [];
        expect(cache.get(f.kind, text, file), f.path).toEqual(parsers[f.kind](file, text, problems));
        expect(problems).toEqual([]);
      }
    }
  });

  it('parses a file whose text changed, and one of the other kind', () => {
    const cache = tempCache();
    const pii = readFileSync(join(builtinPatternsDir(), 'pii.yaml'), 'utf8');
    expect(cache.get('pack', pii, 'pii.yaml')).toBeDefined();
    expect(cache.get('pack', pii.replace('id: email', 'id: email-edited'), 'pii.yaml')).toBeUndefined();
    expect(cache.get('pack', `${pii}\n`, 'pii.yaml')).toBeUndefined();
    expect(cache.get('routing', pii, 'pii.yaml')).toBeUndefined();
    // Through the loader: the edit is what loads.
    const load = withSpecCache('pack', loadPackText, cache);
    const edited = load('pii.yaml', pii.replace('id: email', 'id: email-edited'), []);
    expect(edited?.detectors.map((d) => d.id)).toContain('email-edited');
  });

  it('answers the policy hash of the files it was written with, in any order, and of no others', () => {
    const texts = listPackFiles([builtinPatternsDir()]).map((f) => readFileSync(f, 'utf8'));
    const spec = loadPolicy([builtinPatternsDir()]);
    const path = join(mkdtempSync(join(tmpdir(), 'logveil-spec-cache-')), 'spec-cache.json');
    writeSpecCache(builtinFiles, parsers, { analyses: [], hashes: [hashEntry('pack', texts, 'recorded')] }, path, 'code-1');
    const hashOf = (files: readonly string[]): string => {
      const loader = specLoader('pack', loadPackText, new SpecCache(path, () => 'code-1'));
      for (const [i, text] of files.entries()) loader.parse(`p${i}.yaml`, text, []);
      return loader.hash(() => 'computed');
    };
    expect(hashOf(texts)).toBe('recorded');
    expect(hashOf([...texts].reverse())).toBe('recorded');
    expect(hashOf(texts.slice(1))).toBe('computed');
    expect(hashOf([...texts, texts[0] as string])).toBe('computed');
    expect(hashOf(texts.map((t, i) => (i === 0 ? `${t}\n` : t)))).toBe('computed');
    // What makes a recorded hash right: the hash is the texts' alone, not their files' names or places.
    const copy = mkdtempSync(join(tmpdir(), 'logveil-packs-'));
    for (const f of listPackFiles([builtinPatternsDir()])) copyFileSync(f, join(copy, `renamed-${basename(f)}`));
    expect(loadPolicy([copy], tmpdir()).hash).toBe(spec.hash);
    expect(policyHash(loadPolicy([copy]).packs)).toBe(spec.hash);
  });

  it('keeps out a pack with problems, and one holding the stand-in for its file name', () => {
    const broken = 'pack: broken\ndetectors:\n  - id: x\n    regex: "a(?=b)"\n';
    expect(specEntry('pack', broken, loadPackText)).toBeUndefined();
    const pii = readFileSync(join(builtinPatternsDir(), 'pii.yaml'), 'utf8');
    const tricky = pii.replace(/^description: .*$/m, 'description: "\\0file\\0"');
    expect(tricky).not.toBe(pii);
    expect(loadPackText('pii.yaml', tricky, [])?.id).toBe('pii');
    expect(specEntry('pack', tricky, loadPackText)).toBeUndefined();
    expect(specEntry('pack', pii, loadPackText)).toBeDefined();
  });

  it('reads an absent or foreign cache file, and one other code made, as empty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logveil-spec-cache-'));
    const pii = readFileSync(join(builtinPatternsDir(), 'pii.yaml'), 'utf8');
    expect(new SpecCache(join(dir, 'none.json')).get('pack', pii, 'pii.yaml')).toBeUndefined();
    writeFileSync(join(dir, 'v2.json'), JSON.stringify({ v: 2, entries: {}, analyses: [] }));
    expect(new SpecCache(join(dir, 'v2.json')).get('pack', pii, 'pii.yaml')).toBeUndefined();
    const path = tempCachePath();
    expect(new SpecCache(path, () => 'code-1').get('pack', pii, 'pii.yaml')).toBeDefined();
    expect(new SpecCache(path, () => 'code-2').get('pack', pii, 'pii.yaml')).toBeUndefined();
  });

  it('holds literal automata in a file of bytes beside it, which a cache read hands out, and none when that file is not the one written', () => {
    const pii = readFileSync(join(builtinPatternsDir(), 'pii.yaml'), 'utf8');
    const cached = (words: string[], edit?: (file: string) => void): boolean => {
      const path = join(mkdtempSync(join(tmpdir(), 'logveil-spec-cache-')), 'spec-cache.json');
      writeSpecCache(builtinFiles.slice(0, 1), parsers, { analyses: [], automata: [{ words: wordsDigest(words), automaton: buildAutomaton(words) }] }, path, 'code-1');
      edit?.(automataFileOf(path) as string);
      // Reading the cache (its first question) hands its automata to this thread.
      new SpecCache(path, () => 'code-1').get('pack', pii, 'pii.yaml');
      return sharedAutomata().some((a) => a.words === wordsDigest(words));
    };
    const words = [`cached${Date.now()}`, 'password'];
    expect(cached(words)).toBe(true);
    const held = automatonOf(words);
    expect(held.next.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect([...held.next]).toEqual([...buildAutomaton(words).next]);
    expect(cached([`short${Date.now()}`], (file) => writeFileSync(file, readFileSync(file).subarray(1)))).toBe(false);
    expect(cached([`gone${Date.now()}`], (file) => writeFileSync(file, ''))).toBe(false);
    // The same length, one byte changed.
    const flip = (file: string): void => {
      const bytes = readFileSync(file);
      bytes[0] = (bytes[0] as number) ^ 1;
      writeFileSync(file, bytes);
    };
    expect(cached([`flipped${Date.now()}`, 'password'], flip)).toBe(false);
  });

  it('fingerprints the code by every module, path and content', () => {
    const dir = mkdtempSync(join(tmpdir(), 'logveil-spec-code-'));
    mkdirSync(join(dir, 'detect'));
    writeFileSync(join(dir, 'detect', 'load.js'), 'export const window = 40;\n');
    writeFileSync(join(dir, 'notes.txt'), 'not code');
    const before = codeFingerprint(dir);
    expect(codeFingerprint(dir)).toBe(before);
    writeFileSync(join(dir, 'notes.txt'), 'still not code');
    expect(codeFingerprint(dir)).toBe(before);
    writeFileSync(join(dir, 'detect', 'load.js'), 'export const window = 41;\n');
    const edited = codeFingerprint(dir);
    expect(edited).not.toBe(before);
    writeFileSync(join(dir, 'detect', 'other.js'), '');
    expect(codeFingerprint(dir)).not.toBe(edited);
  });
});

// The cache `npm run build` wrote beside the compiled loader (the sources have none).
const DIST_CACHE = fileURLToPath(new URL('../../../dist/config/spec-cache.json', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('the built loader with its cache', () => {
  it('was written for the compiled code, and a start with the built-in packs loads no YAML parser or schema compiler', () => {
    const cache = JSON.parse(readFileSync(DIST_CACHE, 'utf8')) as { code: string; entries: Record<string, string> };
    expect(cache.code).toBe(codeFingerprint(join(ROOT, 'dist')));
    expect(Object.keys(cache.entries)).toHaveLength(builtinFiles.length);
    const script = `
      import { createRequire } from 'node:module';
      const { loadPolicy } = await import('./dist/detect/load.js');
      const { loadRoutingRules } = await import('./dist/route/load.js');
      const { builtinPatternsDir } = await import('./dist/config/config.js');
      const spec = loadPolicy([builtinPatternsDir()]);
      loadRoutingRules([builtinPatternsDir() + '/routing']);
      const loaded = Object.keys(createRequire(import.meta.url).cache).filter((k) => /node_modules[\\/](yaml|ajv)[\\/]/.test(k));
      console.log(JSON.stringify({ detectors: spec.packs.flatMap((p) => p.detectors).length, loaded }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { detectors: number; loaded: string[] };
    expect(out.detectors).toBe(loadPolicy([builtinPatternsDir()]).packs.flatMap((p) => p.detectors).length);
    expect(out.loaded).toEqual([]);
  });

  it('holds the literal automaton a run with the default config compiles, which it then does not build', () => {
    const script = `
      const { loadConfig } = await import('./dist/config/config.js');
      const { loadPolicy } = await import('./dist/detect/load.js');
      const { loadRoutingRules } = await import('./dist/route/load.js');
      const { CompiledRouting } = await import('./dist/route/compile.js');
      const { CompiledPolicy } = await import('./dist/detect/compile.js');
      const { sharedAutomata } = await import('./dist/detect/shared-automata.js');
      const config = loadConfig(undefined, {});
      const spec = loadPolicy(config.patterns);
      const before = sharedAutomata().map((a) => a.words);
      const routing = new CompiledRouting(loadRoutingRules(config.routing.patterns));
      const policy = new CompiledPolicy(spec, { maxDepth: config.limits.maxDepth, extraLinePatterns: routing.linePatterns });
      const after = sharedAutomata().map((a) => a.words);
      console.log(JSON.stringify({ before, after, shared: sharedAutomata()[0]?.automaton.next.buffer instanceof SharedArrayBuffer, found: policy.lineFilter.prefilter.matching(Buffer.from('{"password":"x"}')).length }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, LOGVEIL_HOME: mkdtempSync(join(tmpdir(), 'logveil-home-')) } });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { before: string[]; after: string[]; shared: boolean; found: number };
    expect(out.before).toHaveLength(1);
    expect(out.after).toEqual(out.before);
    expect(out.shared).toBe(true);
    expect(out.found).toBeGreaterThan(0);
  });

  type LoadModule = typeof import('../../../src/detect/load.js');
  type RoutingModule = typeof import('../../../src/route/load.js');
  const dist = async <T>(path: string): Promise<T> => (await import(new URL(`../../../dist/${path}`, import.meta.url).href)) as T;

  it('loads the built-in packs and routing rules as parsing them does, hash included', async () => {
    const built = await dist<LoadModule>('detect/load.js');
    const builtRouting = await dist<RoutingModule>('route/load.js');
    const base = tmpdir();
    expect(built.loadPolicy([builtinPatternsDir()], base)).toEqual(loadPolicy([builtinPatternsDir()], base));
    // The hash came from the cache, where the build recorded the default policy's.
    const cache = JSON.parse(readFileSync(DIST_CACHE, 'utf8')) as { hashes?: Record<string, string> };
    expect(Object.values(cache.hashes ?? {})).toEqual([loadPolicy([builtinPatternsDir()]).hash]);
    const routingDir = join(builtinPatternsDir(), 'routing');
    expect(builtRouting.loadRoutingRules([routingDir], base)).toEqual(loadRoutingRules([routingDir], base));
  });

  it('still reports ids that two cached files share', async () => {
    const built = await dist<LoadModule>('detect/load.js');
    const dir = mkdtempSync(join(tmpdir(), 'logveil-spec-cache-'));
    mkdirSync(join(dir, 'a'));
    copyFileSync(join(builtinPatternsDir(), 'network.yaml'), join(dir, 'a', 'network.yaml'));
    copyFileSync(join(builtinPatternsDir(), 'network.yaml'), join(dir, 'network-copy.yaml'));
    const paths = [join(dir, 'a'), join(dir, 'network-copy.yaml')];
    const message = (load: () => unknown): string => {
      try {
        load();
      } catch (err) {
        return (err as Error).message;
      }
      return 'loaded';
    };
    const fromCache = message(() => built.loadPolicy(paths, dir));
    expect(fromCache).toMatch(/ipv4/);
    expect(fromCache).toBe(message(() => loadPolicy(paths, dir)));
  });

  it('holds the pattern analyses this code makes', () => {
    const cache = JSON.parse(readFileSync(DIST_CACHE, 'utf8')) as { analyses: Array<[string, unknown]> };
    expect(cache.analyses.length).toBeGreaterThan(300);
    for (const [key, value] of cache.analyses) {
      const at = key.indexOf('\0');
      const head = key.slice(0, at);
      const source = key.slice(at + 1);
      const fresh = head.startsWith('a') ? analyze(source, Number(head.slice(1))) : selectivePrefix(source, ...(head.slice(1).split(',').map(Number) as [number, number]));
      const expected = head.startsWith('a') ? fresh : { prefix: fresh };
      expect(value, key).toEqual(JSON.parse(JSON.stringify(expected)));
    }
  });
});

/**
 * The run configuration: one schema, loaded and validated at the edge, every problem reported at
 * once. Only this module and the entry points read `process.env`.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ActionOverrides } from '../act/actions.js';
import { ACTION_SCHEMA } from '../detect/schema.js';
import { normalizeAction, type ActionSpec, type PolicySpec, type TokenMode } from '../detect/pack.js';
import { IP_RANGES, type IpRange } from '../detect/validators/ip.js';
import type { LineFormat } from '../codecs/jsonl.js';
import { ConfigError, type Problem } from '../errors.js';
import { builtinRoutingDir } from '../route/builtin.js';
import { canonicalJson } from '../util/canonical.js';
import { parseYaml, schemaProblems } from './yaml.js';

export interface LogveilConfig {
  /** Pack files or directories, absolute. */
  patterns: string[];
  format: LineFormat;
  actions: ActionOverrides;
  keys: { provider: 'local'; maxKeyAgeMs: number; maxKeyUses: number };
  limits: { maxRecordBytes: number; maxDepth: number };
  /** Address ranges every IPv4 and IPv6 detector leaves in the clear (see keepAddressRanges). */
  network: { keepRanges: IpRange[] };
  /** Security routing rules (files or directories, absolute) and whether routed records stay in the app stream. */
  routing: { patterns: string[]; appStream: 'keep' | 'remove' };
  /** State directory: master key, key registry, security events, quarantine. */
  stateDir: string;
  /** SHA-256 of the canonical config, quoted by audit events. */
  hash: string;
}

const ACTION_MAP = { type: 'object', additionalProperties: ACTION_SCHEMA } as const;

export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    patterns: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
    format: { enum: ['auto', 'jsonl', 'text'] },
    actions: {
      type: 'object',
      additionalProperties: false,
      properties: {
        tokenMode: { enum: ['deterministic', 'randomized'] },
        byCategory: ACTION_MAP,
        byDetector: ACTION_MAP,
      },
    },
    keys: {
      type: 'object',
      additionalProperties: false,
      properties: {
        provider: { enum: ['local'] },
        maxKeyAgeMs: { type: 'integer', minimum: 1000 },
        maxKeyUses: { type: 'integer', minimum: 1 },
      },
    },
    limits: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxRecordBytes: { type: 'integer', minimum: 64, maximum: 64 * 1024 * 1024 },
        maxDepth: { type: 'integer', minimum: 1, maximum: 1000 },
      },
    },
    stateDir: { type: 'string', minLength: 1 },
    network: {
      type: 'object',
      additionalProperties: false,
      properties: {
        keepRanges: { type: 'array', items: { enum: IP_RANGES }, uniqueItems: true },
      },
    },
    routing: {
      type: 'object',
      additionalProperties: false,
      properties: {
        patterns: { type: 'array', items: { type: 'string', minLength: 1 } },
        appStream: { enum: ['keep', 'remove'] },
      },
    },
  },
} as const;

/** The packs that ship with logveil. */
export function builtinPatternsDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'patterns');
}

/**
 * The opt-in packs that ship with logveil (`patterns/opt-in/*.yaml`, by name): detectors the
 * built-in policy leaves out for what they cost on ordinary logs, loaded only when named.
 */
export function optInPackFiles(): string[] {
  const dir = join(builtinPatternsDir(), 'opt-in');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/** The state directory: `LOGVEIL_HOME`, else `./.logveil`. */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.LOGVEIL_HOME && env.LOGVEIL_HOME.length > 0 ? env.LOGVEIL_HOME : '.logveil');
}

interface RawConfig {
  patterns?: string[];
  format?: LineFormat;
  actions?: { tokenMode?: TokenMode; byCategory?: Record<string, unknown>; byDetector?: Record<string, unknown> };
  keys?: { provider?: 'local'; maxKeyAgeMs?: number; maxKeyUses?: number };
  limits?: { maxRecordBytes?: number; maxDepth?: number };
  stateDir?: string;
  network?: { keepRanges?: IpRange[] };
  routing?: { patterns?: string[]; appStream?: 'keep' | 'remove' };
}

/** Loads a config file (or the defaults when `file` is undefined). Throws ConfigError with every problem. */
export function loadConfig(file: string | undefined, env: NodeJS.ProcessEnv = process.env): LogveilConfig {
  let raw: RawConfig = {};
  let base = process.cwd();
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new ConfigError([{ file, line: 0, message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? 'error'}` }]);
    }
    const parsed = parseYaml(file, text);
    const problems = [...parsed.problems];
    if (parsed.doc) problems.push(...schemaProblems(parsed.doc, CONFIG_SCHEMA, 'config'));
    if (problems.length > 0) throw new ConfigError(problems);
    raw = (parsed.doc?.value ?? {}) as RawConfig;
    base = dirname(resolve(file));
    const config = buildConfig(raw, base, env);
    const doc = parsed.doc;
    if (doc) {
      const lines = (by: 'byDetector' | 'byCategory'): Map<string, number> => new Map(Object.keys(raw.actions?.[by] ?? {}).map((k) => [k, doc.lineOf(['actions', by, k])]));
      actionLines.set(config.actions, { file, byDetector: lines('byDetector'), byCategory: lines('byCategory') });
    }
    return config;
  }
  return buildConfig(raw, base, env);
}

/** Where a config file names each detector and category it sets an action for (see {@link actionNameProblems}). */
const actionLines = new WeakMap<ActionOverrides, { file: string; byDetector: Map<string, number>; byCategory: Map<string, number> }>();

/**
 * The detector ids (`actions.byDetector`) and categories (`actions.byCategory`) the config sets an
 * action for that the policy has none of (a misspelled id would leave its detector's action as it
 * was, silently), each at its config file:line.
 */
export function actionNameProblems(actions: ActionOverrides, policy: PolicySpec): Problem[] {
  const ids = new Set<string>();
  const categories = new Set<string>();
  for (const pack of policy.packs) {
    for (const d of pack.detectors) {
      ids.add(d.id);
      categories.add(d.category);
    }
    for (const r of pack.keyRules) categories.add(r.category);
  }
  const at = actionLines.get(actions);
  const problems: Problem[] = [];
  for (const id of Object.keys(actions.byDetector ?? {})) {
    if (!ids.has(id)) problems.push({ file: at?.file ?? 'config', line: at?.byDetector.get(id) ?? 0, message: `actions.byDetector: no detector "${id}" in the policy's packs` });
  }
  for (const c of Object.keys(actions.byCategory ?? {})) {
    if (!categories.has(c)) problems.push({ file: at?.file ?? 'config', line: at?.byCategory.get(c) ?? 0, message: `actions.byCategory: no detector or key rule of category "${c}" in the policy's packs` });
  }
  return problems;
}

function buildConfig(raw: RawConfig, base: string, env: NodeJS.ProcessEnv): LogveilConfig {
  const actions: ActionOverrides = { tokenMode: raw.actions?.tokenMode ?? 'deterministic' };
  if (raw.actions?.byCategory) actions.byCategory = mapActions(raw.actions.byCategory);
  if (raw.actions?.byDetector) actions.byDetector = mapActions(raw.actions.byDetector);
  const config: Omit<LogveilConfig, 'hash'> = {
    patterns: raw.patterns ? raw.patterns.map((p) => resolve(base, p)) : [builtinPatternsDir()],
    format: raw.format ?? 'auto',
    actions,
    keys: {
      provider: raw.keys?.provider ?? 'local',
      maxKeyAgeMs: raw.keys?.maxKeyAgeMs ?? 24 * 60 * 60 * 1000,
      maxKeyUses: raw.keys?.maxKeyUses ?? 1_000_000,
    },
    limits: {
      maxRecordBytes: raw.limits?.maxRecordBytes ?? 1024 * 1024,
      maxDepth: raw.limits?.maxDepth ?? 64,
    },
    network: { keepRanges: IP_RANGES.filter((r) => raw.network?.keepRanges?.includes(r)) },
    routing: {
      patterns: raw.routing?.patterns ? raw.routing.patterns.map((p) => resolve(base, p)) : [builtinRoutingDir()],
      appStream: raw.routing?.appStream ?? 'keep',
    },
    stateDir: raw.stateDir ? resolve(base, raw.stateDir) : defaultStateDir(env),
  };
  return { ...config, hash: createHash('sha256').update(canonicalJson(config)).digest('hex') };
}

function mapActions(raw: Record<string, unknown>): Record<string, ActionSpec> {
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, normalizeAction(v)]));
}

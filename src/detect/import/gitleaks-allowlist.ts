/**
 * gitleaks allowlists (`[[rules.allowlists]]`, the legacy `[rules.allowlist]`, and the global
 * `[allowlist]` / `[[allowlists]]`) as logveil allowlist entries.
 *
 * logveil tests an allowlist regex as an unanchored search of the redacted value, as gitleaks tests
 * a regex against the secret, so such regexes carry over as they are, and so do those gitleaks
 * tests against the whole match or line (`regexTarget`), with the same target (AllowTarget: a
 * log line, or one line of a field's string, is the line); stopwords become one case-insensitive
 * regex. What a log line cannot express is left out and said so: `notes` when leaving it out
 * changes nothing for log lines (paths and commits, which a log line has not),
 * `warnings` when the detector then redacts values gitleaks would allow.
 */
import type { AllowEntry } from '../pack.js';
import { re2Problem } from '../load.js';

/** One gitleaks allowlist table, keys lower-cased. */
export type TomlTable = Record<string, unknown>;

export interface TranslatedAllowlist {
  entries: AllowEntry[];
  notes: string[];
  warnings: string[];
  /** Global allowlists only: the rule ids it is limited to (`targetRules`). */
  targetRules?: string[];
}

const KNOWN_KEYS = new Set(['description', 'condition', 'commits', 'paths', 'regextarget', 'regexes', 'stopwords', 'targetrules']);

/** Escapes RE2 metacharacters so `text` matches itself. */
export function quoteRegex(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** One regex that finds any of the stopwords, ignoring case (gitleaks lower-cases both sides). */
export function stopwordRegex(words: readonly string[]): string {
  const unique = [...new Set(words.map((w) => w.toLowerCase()))];
  return `(?i)(?:${unique.map(quoteRegex).join('|')})`;
}

function strings(table: TomlTable, key: string, where: string, warnings: string[]): string[] {
  const value = table[key];
  if (value === undefined) return [];
  if (Array.isArray(value) && value.every((v): v is string => typeof v === 'string')) return value.filter((v) => v.length > 0);
  warnings.push(`${where}: "${key}" is not a list of strings; ignored`);
  return [];
}

/** Translates one allowlist table; `where` names it in messages (`allowlist 2`). */
export function translateAllowlist(table: TomlTable, where: string): TranslatedAllowlist {
  const notes: string[] = [];
  const warnings: string[] = [];
  const out: TranslatedAllowlist = { entries: [], notes, warnings };
  for (const key of Object.keys(table)) if (!KNOWN_KEYS.has(key)) warnings.push(`${where}: unknown key "${key}" ignored`);

  const commits = strings(table, 'commits', where, warnings);
  const paths = strings(table, 'paths', where, warnings);
  const regexes = strings(table, 'regexes', where, warnings);
  const stopwords = strings(table, 'stopwords', where, warnings);
  const targets = strings(table, 'targetrules', where, warnings);
  if (targets.length > 0) out.targetRules = targets;

  const condition = String(table['condition'] ?? 'OR').toUpperCase();
  if (!['OR', '||', 'AND', '&&'].includes(condition)) {
    warnings.push(`${where}: unknown condition "${String(table['condition'])}"; allowlist left out`);
    return out;
  }
  const target = String(table['regextarget'] ?? 'secret').toLowerCase() || 'secret';
  if (!['secret', 'match', 'line'].includes(target)) {
    warnings.push(`${where}: unknown regexTarget "${target}"; allowlist left out`);
    return out;
  }

  const kinds = [commits, paths, regexes, stopwords].filter((list) => list.length > 0).length;
  if ((condition === 'AND' || condition === '&&') && kinds > 1) {
    if (commits.length > 0 || paths.length > 0) {
      notes.push(`${where}: condition AND needs a path or commit match, which a log line never has; left out`);
    } else {
      warnings.push(`${where}: condition AND of regexes and stopwords cannot be expressed (logveil entries are alternatives); left out`);
    }
    return out;
  }

  if (paths.length > 0) notes.push(`${where}: ${paths.length} path regex${paths.length === 1 ? '' : 'es'} left out (log lines have no file path)`);
  if (commits.length > 0) notes.push(`${where}: ${commits.length} commit${commits.length === 1 ? '' : 's'} left out (log lines have no commit)`);
  for (const regex of regexes) {
    const problem = re2Problem(regex);
    if (problem) warnings.push(`${where}: regex ${JSON.stringify(regex)} left out: ${problem}`);
    else out.entries.push(target === 'secret' ? { regex } : { regex, target: target as 'match' | 'line' });
  }
  if (stopwords.length > 0) out.entries.push({ regex: stopwordRegex(stopwords) });
  return out;
}

/**
 * The entries of several allowlists folded into at most one regex entry per target (alternatives
 * keep each regex's own inline flags: a flag set inside a group ends with it). Used for the global
 * allowlists, which every imported detector carries.
 */
export function foldEntries(entries: readonly AllowEntry[]): AllowEntry[] {
  const values = entries.filter((e): e is { value: string } => 'value' in e);
  const folded: AllowEntry[] = [...values];
  for (const target of ['secret', 'match', 'line', 'context'] as const) {
    const regexes = entries.filter((e) => 'regex' in e && (e.target ?? 'secret') === target).map((e) => (e as { regex: string }).regex);
    if (regexes.length === 0) continue;
    const regex = regexes.length === 1 ? (regexes[0] as string) : regexes.map((r) => `(?:${r})`).join('|');
    folded.push(target === 'secret' ? { regex } : { regex, target });
  }
  return folded;
}

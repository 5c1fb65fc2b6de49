/**
 * Inline routing packs for the routing tests.
 */
import { CompiledRouting } from '../../../src/route/compile.js';
import { loadRoutingText, routingHash } from '../../../src/route/load.js';
import type { Problem } from '../../../src/errors.js';
import type { JsonValue, LogRecord } from '../../../src/record.js';

export function routingFromYaml(text: string, options: { groupKeySalt?: Uint8Array } = {}): CompiledRouting {
  const problems: Problem[] = [];
  const pack = loadRoutingText('inline.yaml', text, problems);
  if (problems.length > 0 || !pack) throw new Error(problems.map((p) => `${p.file}:${p.line} ${p.message}`).join('\n'));
  return new CompiledRouting({ packs: [pack], hash: routingHash([pack]) }, options);
}

export function routingProblems(text: string, file = 'bad.yaml'): Problem[] {
  const problems: Problem[] = [];
  loadRoutingText(file, text, problems);
  return problems;
}

export function record(body: string | JsonValue, extra: Partial<LogRecord> = {}): LogRecord {
  return { body, structured: typeof body !== 'string', attributes: {}, resource: {}, source: { file: 't', line: 1 }, ...extra };
}

/** A one-rule pack around a `when` block (YAML, indented for the rule). */
export function rule(when: string, extra = ''): string {
  return `pack: t
rules:
  - id: r
    name: R
    category: test
    severity: high
${extra}    when:
${when}
    tests:
      match: ['x']
      nomatch: ['y']
`;
}

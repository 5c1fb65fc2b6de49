/**
 * Writes an imported gitleaks config as pack YAML: a header comment that says where the pack came
 * from and lists the rules not imported, each detector with its differences from gitleaks as a
 * comment above it.
 */
import { Document, isMap, isSeq, type YAMLMap } from 'yaml';
import type { DetectorSpec } from '../pack.js';
import type { SynthesizedCase } from './cases.js';
import type { ImportedRule, SkippedRule } from './gitleaks.js';

export interface PackYamlInput {
  packId: string;
  file: string;
  title: string | undefined;
  drafts: ReadonlyArray<{ rule: ImportedRule; spec: DetectorSpec; testCase: SynthesizedCase }>;
  skipped: readonly SkippedRule[];
  rules: number;
  keywordWindow: number;
}

/** The pack as YAML text. */
export function packYaml(input: PackYamlInput): string {
  const detectors = input.drafts.map(({ spec, testCase }) => {
    const d: Record<string, unknown> = {
      id: spec.id,
      name: spec.name,
      category: spec.category,
      severity: spec.severity,
      regex: spec.regex,
    };
    if (spec.keywords.length > 0) {
      d['keywords'] = spec.keywords;
      d['keywordWindow'] = spec.keywordWindow;
    }
    if (spec.validator) d['validator'] = { name: spec.validator.name, ...spec.validator.params };
    if (spec.allowlist.length > 0) d['allowlist'] = spec.allowlist;
    d['action'] = spec.action.type;
    d['refs'] = spec.refs;
    d['tests'] = { match: [{ text: testCase.text, secret: testCase.secret }] };
    return d;
  });
  const source = input.title ? `gitleaks config "${input.title}" (${input.file})` : `gitleaks config ${input.file}`;
  // Detectors share the global allowlist entries: written out in full, never as YAML aliases.
  const doc = new Document(
    { pack: input.packId, description: `Imported from ${source}: ${input.drafts.length} of ${input.rules} rules`, detectors },
    { aliasDuplicateObjects: false },
  );

  const header = [
    ` Imported from ${source} by \`logveil patterns import gitleaks\`.`,
    ` ${input.drafts.length} of ${input.rules} rules imported. Each detector's test case is generated from its`,
    ` own regex. Keywords are looked for within ${input.keywordWindow} characters before the end of a match`,
    ' (gitleaks looks in the whole file). See "Importing a gitleaks config" in docs/patterns.md.',
  ];
  if (input.skipped.length > 0) {
    header.push('', ' Not imported:');
    for (const s of input.skipped) header.push(`   ${s.ruleId}: ${oneLine(s.reason)}`);
  }
  doc.commentBefore = header.join('\n');

  const seq = doc.get('detectors', true);
  if (isSeq(seq)) {
    seq.items.forEach((item, i) => {
      const draft = input.drafts[i];
      if (!draft || !isMap(item)) return;
      const remarks = [...draft.rule.warnings.map((w) => `warning: ${w}`), ...draft.rule.notes.map((n) => `note: ${n}`)];
      if (remarks.length > 0) item.commentBefore = remarks.map((r) => ` ${oneLine(r)}`).join('\n');
      flow(item, 'keywords');
      flow(item, 'validator');
      flow(item, 'refs');
    });
  }
  return doc.toString({ lineWidth: 0, singleQuote: true });
}

function flow(map: YAMLMap, key: string): void {
  const node = map.get(key, true);
  if (isSeq(node) || isMap(node)) node.flow = true;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ');
}

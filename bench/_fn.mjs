import { loadEvalPolicy, defaultPatternPaths } from './eval/policy.mjs';
import { coveredTypes } from './eval/spans.mjs';
import { PRESIDIO_TYPES, presidioType } from './eval/mappings.mjs';
import { readJsonLines, codePointToUtf16 } from './eval/readers.mjs';
import { referencedNames } from './eval/refs.mjs';
const policy = loadEvalPolicy(process.argv[2] ? process.argv.slice(2) : defaultPatternPaths());
const covered = coveredTypes(policy, [...new Set([...PRESIDIO_TYPES, ...referencedNames(policy, 'presidio')])]);
for (const row of readJsonLines('../shared/corpora/pii/presidio_recognizer_cases.jsonl.gz')) {
  const text = String(row.text);
  const tested = [...new Set((row.entity_types_tested ?? []).map((t) => presidioType(t)))].filter((t) => covered.has(t));
  if (!tested.length) continue;
  const f = policy.scan(text);
  for (const t of tested) {
    const ids = covered.get(t);
    const mine = f.filter((x) => ids.has(x.id));
    const exp = (row.spans ?? []).filter((s) => presidioType(s.type) === t);
    if (row.spans_complete === false) { if (mine.length !== row.expected_count) console.log('COUNT', t, JSON.stringify(text.slice(0, 120)), 'exp', row.expected_count, 'got', mine.length); continue; }
    const cp = codePointToUtf16(text);
    for (const s of exp) { const a = cp(s.start), b = cp(s.end); if (!mine.some((m) => m.start < b && m.end > a)) console.log('FN', t, JSON.stringify(text.slice(0, 140)), JSON.stringify(text.slice(a, b)), f.filter((x) => x.start < b && x.end > a).map((x) => x.id).join(',')); }
    for (const m of mine) if (!exp.some((s) => m.start < cp(s.end) && m.end > cp(s.start))) console.log('FP', t, JSON.stringify(text.slice(0, 140)), m.id, JSON.stringify(text.slice(m.start, m.end)));
  }
}

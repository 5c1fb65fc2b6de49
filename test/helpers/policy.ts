import { CompiledPolicy } from '../../src/detect/compile.js';
import { loadPackText, policyHash } from '../../src/detect/load.js';
import type { Problem } from '../../src/errors.js';

/** Compiles one or more inline packs; throws with the problems if any pack is invalid. */
export function policyFromYaml(...packs: string[]): CompiledPolicy {
  const problems: Problem[] = [];
  const specs = packs.map((text, i) => loadPackText(`inline-${i}.yaml`, text, problems));
  if (problems.length > 0) throw new Error(problems.map((p) => `${p.file}:${p.line} ${p.message}`).join('\n'));
  const loaded = specs.filter((s) => s !== undefined);
  return new CompiledPolicy({ packs: loaded, hash: policyHash(loaded) });
}

export function problemsOf(text: string, file = 'bad.yaml'): Problem[] {
  const problems: Problem[] = [];
  loadPackText(file, text, problems);
  return problems;
}

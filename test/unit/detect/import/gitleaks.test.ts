import { describe, expect, it } from 'vitest';
import type { CompiledPolicy } from '../../../../src/detect/compile.js';
import { importGitleaks, IMPORT_KEYWORD_WINDOW, type GitleaksImport } from '../../../../src/detect/import/gitleaks.js';
import { runPackTests } from '../../../../src/detect/packtest.js';
import type { DetectorSpec } from '../../../../src/detect/pack.js';
import { scanText } from '../../../../src/detect/scan.js';
import { LogveilError, PolicyError } from '../../../../src/errors.js';
import { policyFromYaml } from '../../../helpers/policy.js';

/** One `[[rules]]` table. */
const rule = (id: string, body: string): string => `[[rules]]\nid = "${id}"\ndescription = "${id} rule"\n${body}\n`;

function imported(toml: string): { result: GitleaksImport; policy: CompiledPolicy; spec: (id: string) => DetectorSpec } {
  const result = importGitleaks(toml);
  const policy = policyFromYaml(result.yaml);
  const spec = (id: string): DetectorSpec => {
    const d = policy.byId.get(id);
    if (!d) throw new Error(`no detector ${id}`);
    return d.spec;
  };
  return { result, policy, spec };
}

/** The redacted substrings of `text`. */
function redacted(policy: CompiledPolicy, text: string): string[] {
  return scanText(policy, text).map((m) => text.slice(m.start, m.end));
}

describe('gitleaks import: secret group', () => {
  it('names the secretGroup-th capture group, counting nested and named groups, not (?:, flags, escaped parentheses or classes', () => {
    const { spec, policy } = imported(
      rule('nested', String.raw`regex = '''(?i)\((?:x)[()](?P<pre>a)((b\w)[^)](c\)))'''` + '\nsecretGroup = 3') +
        rule('quoted', String.raw`regex = '''\Q((\E(k)=(v\w+)'''` + '\nsecretGroup = 2'),
    );
    expect(spec('nested').regex).toBe(String.raw`(?i)\((?:x)[()](a)((?P<secret>b\w)[^)](c\)))`);
    expect(spec('quoted').regex).toBe(String.raw`\Q((\E(k)=(?P<secret>v\w+)`);
    expect(redacted(policy, 'see (x(abZ-c) here')).toEqual(['bZ']);
    expect(redacted(policy, 'see ((k=vXYZ here')).toEqual(['vXYZ']);
  });

  it('keeps a group the config already calls secret from narrowing the span unless it is the secret group', () => {
    const { spec } = imported(
      rule('other', String.raw`regex = '''(?P<secret>x+)-(y+)'''` + '\nsecretGroup = 2') +
        rule('itself', String.raw`regex = '''(?P<secret>x+)-(y+)'''` + '\nsecretGroup = 1') +
        rule('whole', String.raw`regex = '''(?P<secret>x+)-(y+)|z(\w+)'''`),
    );
    expect(spec('other').regex).toBe('(?:x+)-(?P<secret>y+)');
    expect(spec('itself').regex).toBe('(?P<secret>x+)-(y+)');
    expect(spec('whole').regex).toBe(String.raw`(?:x+)-(y+)|z(\w+)`);
  });

  it('without secretGroup takes group 1 when every match sets it, as gitleaks takes the first non-empty group', () => {
    const { spec, result } = imported(
      rule('one-group', String.raw`regex = '''key=(\w{8})'''`) +
        rule('no-group', String.raw`regex = '''tok_\w{8}'''`) +
        rule('alternatives', String.raw`regex = '''a=(\w{8})|b=(\w{8})'''`) +
        rule('maybe-empty', String.raw`regex = '''x(\w*)y(\w+)'''`),
    );
    expect(spec('one-group').regex).toBe(String.raw`key=(?P<secret>\w{8})`);
    expect(spec('no-group').regex).toBe(String.raw`tok_\w{8}`);
    // Which group holds the secret depends on the input: the whole match is redacted, and said so.
    expect(spec('alternatives').regex).toBe(String.raw`a=(\w{8})|b=(\w{8})`);
    const warned = Object.fromEntries(result.imported.map((r) => [r.ruleId, r.warnings]));
    expect(warned['alternatives']).toEqual([expect.stringMatching(/first non-empty of 2 capture groups.*whole match/)]);
    expect(warned['maybe-empty']).toEqual([expect.stringMatching(/first non-empty/)]);
    expect(warned['one-group']).toEqual([]);
  });

  it('redacts the whole match where the secret group is repeated: RE2 captures its last repetition only', () => {
    const { spec, policy, result } = imported(
      rule('hook', String.raw`regex = '''hook/([a-z0-9]{4}-){3}[a-z0-9]{12}'''` + '\nsecretGroup = 1') + rule('first', String.raw`regex = '''id=(\w)+;'''`),
    );
    expect(spec('hook').regex).toBe(String.raw`hook/([a-z0-9]{4}-){3}[a-z0-9]{12}`);
    expect(spec('first').regex).toBe(String.raw`id=(\w)+;`);
    expect(redacted(policy, 'see hook/9b3c-a1b2-c3d4-e5f6a7b8c9d0 now')).toEqual(['hook/9b3c-a1b2-c3d4-e5f6a7b8c9d0']);
    const warned = Object.fromEntries(result.imported.map((r) => [r.ruleId, r.warnings]));
    expect(warned['hook']).toEqual([expect.stringMatching(/secretGroup 1 is repeated.*whole match/)]);
    expect(warned['first']).toEqual([expect.stringMatching(/capture group 1 is repeated.*whole match/)]);
  });

  it('skips a rule whose secretGroup the regex does not have', () => {
    const { result } = imported(rule('too-far', String.raw`regex = '''k=(\w+)'''` + '\nsecretGroup = 2'));
    expect(result.skipped).toEqual([{ ruleId: 'too-far', index: 1, category: 'invalid', reason: 'secretGroup 2 but the regex has 1 capture group' }]);
  });
});

describe('gitleaks import: entropy and keywords', () => {
  it('maps entropy to the entropy validator on the secret', () => {
    const { spec, policy } = imported(rule('tok', String.raw`regex = '''tok_(\w{12})'''` + '\nentropy = 3.2'));
    expect(spec('tok').validator).toEqual({ name: 'entropy', params: { min: 3.2 } });
    expect(redacted(policy, 'tok_aaaaaaaaaaaa')).toEqual([]);
    expect(redacted(policy, 'tok_Zq8Rw2Lm5Xv9')).toEqual(['Zq8Rw2Lm5Xv9']);
  });

  it('lower-cases keywords and looks for them up to the widest window a pack allows', () => {
    const { spec, policy } = imported(rule('kw', String.raw`regex = '''\b[0-9a-f]{16}\b'''` + '\nkeywords = ["MyVendor", "mv_"]'));
    expect(spec('kw').keywords).toEqual(['myvendor', 'mv_']);
    expect(spec('kw').keywordWindow).toBe(IMPORT_KEYWORD_WINDOW);
    const far = `MYVENDOR config ${'.'.repeat(900)} 0123456789abcdef`;
    expect(redacted(policy, far)).toEqual(['0123456789abcdef']);
    expect(redacted(policy, 'other 0123456789abcdef')).toEqual([]);
  });

  it('folds keywords as RE2 does: `İ`, which JavaScript lowers to two characters, stays', () => {
    const { spec, policy } = imported(rule('kw', String.raw`regex = '''\b[0-9a-f]{16}\b'''` + '\nkeywords = ["İZMİR"]'));
    expect(spec('kw').keywords).toEqual(['İzmİr']);
    expect(redacted(policy, 'İZMİR 0123456789abcdef')).toEqual(['0123456789abcdef']);
  });
});

describe('gitleaks import: allowlists', () => {
  it('carries secret regexes and stopwords over, in [[rules.allowlists]] and the legacy [rules.allowlist]', () => {
    const toml =
      rule('tok', String.raw`regex = '''tok_(\w{8,})'''`) +
      String.raw`[[rules.allowlists]]
regexes = ['''^test''']
[[rules.allowlists]]
stopwords = ["EXAMPLE", "a.b"]
` +
      rule('legacy', String.raw`regex = '''leg_(\w{8,})'''`) +
      String.raw`[rules.allowlist]
regexes = ['''^fake''']
`;
    const { spec, policy, result } = imported(toml);
    expect(spec('tok').allowlist).toEqual([{ regex: '^test' }, { regex: String.raw`(?i)(?:example|a\.b)` }]);
    expect(spec('legacy').allowlist).toEqual([{ regex: '^fake' }]);
    expect(redacted(policy, 'tok_testvalue1')).toEqual([]);
    expect(redacted(policy, 'tok_xyExampleZ9')).toEqual([]);
    expect(redacted(policy, 'tok_aXb_Rq82Lw')).toEqual(['aXb_Rq82Lw']);
    expect(redacted(policy, 'leg_fake12345 leg_Rq82Lw55')).toEqual(['Rq82Lw55']);
    expect(result.imported.every((r) => r.warnings.length === 0 && r.notes.length === 0)).toBe(true);
  });

  it('keeps regexes gitleaks tests against the whole match or the line, with that target', () => {
    const toml =
      rule('tok', String.raw`regex = '''(?:key|name)=tok_(\w{8,})'''`) +
      String.raw`[[rules.allowlists]]
regexTarget = "match"
regexes = ['''^name=''']
[[rules.allowlists]]
regexTarget = "line"
regexes = ['''--mount=type=secret,''']
`;
    const { spec, policy, result } = imported(toml);
    expect(spec('tok').allowlist).toEqual([
      { regex: '^name=', target: 'match' },
      { regex: '--mount=type=secret,', target: 'line' },
    ]);
    expect(redacted(policy, 'key=tok_Rq82Lw55 name=tok_Zt3Lk2Vw')).toEqual(['Rq82Lw55']);
    expect(redacted(policy, 'RUN --mount=type=secret,id=npm key=tok_Rq82Lw55')).toEqual([]);
    expect(result.imported.every((r) => r.warnings.length === 0)).toBe(true);
  });

  it('leaves out paths, commits and AND conditions a log line cannot meet as notes, and what it cannot express as warnings', () => {
    const toml =
      rule('tok', String.raw`regex = '''tok_(\w{8,})'''`) +
      String.raw`[[rules.allowlists]]
paths = ['''\.md$''']
commits = ["abc123"]
regexes = ['''^keep''']
[[rules.allowlists]]
regexTarget = "match"
regexes = ['''^tok_keep''']
[[rules.allowlists]]
condition = "AND"
paths = ['''\.bb$''']
regexTarget = "line"
regexes = ['''LICENSE''']
[[rules.allowlists]]
condition = "AND"
regexes = ['''^x''']
stopwords = ["demo"]
`;
    const { spec, result } = imported(toml);
    expect(spec('tok').allowlist).toEqual([{ regex: '^keep' }, { regex: '^tok_keep', target: 'match' }]);
    const [r] = result.imported;
    expect(r?.notes).toEqual([
      'allowlist 1: 1 path regex left out (log lines have no file path)',
      'allowlist 1: 1 commit left out (log lines have no commit)',
      'allowlist 3: condition AND needs a path or commit match, which a log line never has; left out',
    ]);
    expect(r?.warnings).toEqual([
      'allowlist 4: condition AND of regexes and stopwords cannot be expressed (logveil entries are alternatives); left out',
    ]);
  });

  it('gives every detector the global allowlist (the pack-wide one would reach other packs too), and targetRules only theirs', () => {
    const toml =
      String.raw`[allowlist]
regexes = ['''^placeholder''', '''(?i)^dummy$''']
paths = ['''vendor/''']
[[allowlists]]
targetRules = ["b"]
stopwords = ["sample"]
` +
      rule('a', String.raw`regex = '''a_(\w{8,})'''`) +
      rule('b', String.raw`regex = '''b_(\w{8,})'''`);
    // [allowlist] and [[allowlists]] together: gitleaks refuses this, the import warns and uses both.
    const { spec, policy, result } = imported(toml);
    const global = { regex: '(?:^placeholder)|(?:(?i)^dummy$)' };
    expect(spec('a').allowlist).toEqual([global]);
    expect(spec('b').allowlist).toEqual([{ regex: '(?i)(?:sample)' }, global]);
    expect(policy.spec.packs[0]?.allowlist).toEqual([]);
    expect(redacted(policy, 'a_placeholder1 a_DUMMY a_Rq82Lw55')).toEqual(['Rq82Lw55']);
    expect(redacted(policy, 'a_sample123 b_sample123')).toEqual(['sample123']);
    expect(result.notes).toEqual(['global allowlist 1: 1 path regex left out (log lines have no file path)']);
    expect(result.warnings).toEqual([expect.stringMatching(/both \[allowlist\] and \[\[allowlists\]\]/)]);
  });
});

describe('gitleaks import: rules not imported', () => {
  it('skips path-only, composite and uncompilable rules with their reasons, and keeps the rest', () => {
    const toml =
      rule('pkcs12', String.raw`path = '''\.p12$'''`) +
      rule('lookahead', String.raw`regex = '''tok(?=en)\w+'''`) +
      rule('empty', String.raw`regex = '''a*'''`) +
      rule('composite', String.raw`regex = '''id_(\w{8})'''`) +
      '[[rules.required]]\nid = "good"\nwithinLines = 2\n' +
      rule('aux', String.raw`regex = '''aux_\w{8}'''` + '\nskipReport = true') +
      rule('good', String.raw`regex = '''good_(\w{8})'''`);
    const { result } = imported(toml);
    expect(result.rules).toBe(6);
    expect(result.imported.map((r) => r.ruleId)).toEqual(['good']);
    const reasons = Object.fromEntries(result.skipped.map((s) => [s.ruleId, `${s.category}: ${s.reason}`]));
    expect(reasons).toEqual({
      pkcs12: expect.stringMatching(/^path-only: path-only rule \(".*p12\$", no regex\)/),
      lookahead: expect.stringMatching(/^regex: regex is not valid RE2: .*\S/),
      empty: 'regex: regex matches the empty string',
      composite: expect.stringMatching(/^composite: composite rule: .*\[good\]/),
      aux: expect.stringMatching(/^composite: skipReport/),
    });
  });

  it('keeps the last of rules with the same id, as gitleaks does, and one rule per detector id', () => {
    const toml =
      rule('dup', String.raw`regex = '''first_\w{8}'''`) +
      rule('dup', String.raw`regex = '''second_\w{8}'''`) +
      rule('Vendor_Key', String.raw`regex = '''vk_\w{8}'''`) +
      rule('vendor-key', String.raw`regex = '''vk2_\w{8}'''`);
    const { result, spec } = imported(toml);
    expect(spec('dup').regex).toBe(String.raw`second_\w{8}`);
    expect(spec('vendor-key').regex).toBe(String.raw`vk_\w{8}`);
    expect(spec('vendor-key').refs).toEqual(['gitleaks:Vendor_Key']);
    expect(result.skipped).toEqual([
      { ruleId: 'dup', index: 1, category: 'duplicate-id', reason: 'redefined by rule 2 with the same id (gitleaks keeps the last definition)' },
      { ruleId: 'vendor-key', index: 4, category: 'duplicate-id', reason: 'detector id "vendor-key" is already taken by rule "Vendor_Key"' },
    ]);
    expect(result.imported.find((r) => r.ruleId === 'Vendor_Key')?.notes).toEqual(['detector id "vendor-key" (the gitleaks id is not a valid detector id)']);
  });

  it('reports a TOML syntax error with its line', () => {
    const toml = `title = "x"\n[[rules]]\nid = "a"\nregex = '''abc\n`;
    let error: unknown;
    try {
      importGitleaks(toml, { file: 'bad.toml' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PolicyError);
    const [problem] = (error as PolicyError).problems;
    expect(problem).toMatchObject({ file: 'bad.toml', line: 4, message: expect.stringMatching(/^TOML: /) });
  });
});

describe('gitleaks import: the pack', () => {
  const toml =
    'title = "custom"\n' +
    rule('vendor-token', String.raw`regex = '''\b(vt_[a-zA-Z0-9]{24})(?:[\x60'"\s;]|\\[nr]|$)'''` + '\nentropy = 3\nkeywords = ["vt_"]') +
    rule('vendor-secret', String.raw`regex = '''(?i)[\w.-]{0,50}?(?:vendor)(?:[ \t\w.-]{0,20})[\s'"]{0,3}(?:=|:)[\x60'"\s=]{0,5}([a-z0-9]{32})(?:[\x60'"\s;]|$)'''` + '\nkeywords = ["vendor"]');

  it('loads, and each detector carries a generated case its own test run passes', () => {
    const { result, policy, spec } = imported(toml);
    expect(result.imported.map((r) => r.detectorId)).toEqual(['vendor-token', 'vendor-secret']);
    const report = runPackTests(policy);
    expect(report.failures).toEqual([]);
    expect(report.cases).toBe(2);
    const [match] = spec('vendor-secret').tests.match;
    expect(match?.text).toContain('vendor');
    expect(match?.secret).toMatch(/^[a-z0-9]{32}$/i);
    expect(spec('vendor-token')).toMatchObject({ category: 'secret', severity: 'high', action: { type: 'tokenize' }, refs: ['gitleaks:vendor-token'], name: 'vendor-token rule' });
    expect(result.yaml).toMatch(/^# Imported from gitleaks config "custom"/);
    // The same input gives the same pack.
    expect(importGitleaks(toml).yaml).toBe(result.yaml);
  });

  it('takes the pack id, an id prefix, category and severity as options, and rejects invalid ones', () => {
    const result = importGitleaks(toml, { packId: 'vendor', idPrefix: 'gl-', category: 'credential', severity: 'critical' });
    const policy = policyFromYaml(result.yaml);
    expect(policy.spec.packs[0]?.id).toBe('vendor');
    expect(policy.detectors.map((d) => [d.spec.id, d.spec.label, d.spec.category, d.spec.severity])).toEqual([
      ['gl-vendor-token', 'GL_VENDOR_TOKEN', 'credential', 'critical'],
      ['gl-vendor-secret', 'GL_VENDOR_SECRET', 'credential', 'critical'],
    ]);
    expect(() => importGitleaks(toml, { idPrefix: 'GL_' })).toThrow(LogveilError);
  });

  it('lists the rules not imported at the top of the pack and the differences above each detector', () => {
    const result = importGitleaks(rule('file', String.raw`path = '''\.pfx$'''`) + rule('conf', String.raw`regex = '''pw=(\w{8})'''` + `\npath = '''\\.conf$'''`));
    expect(result.yaml).toContain('# Not imported:\n#   file: path-only rule');
    expect(result.yaml).toMatch(/ {2}# warning: path restriction "\\\\.conf\$" dropped: the detector applies to every log line\n {2}- id: conf/);
  });
});

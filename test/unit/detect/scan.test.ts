import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import RE2 from 're2';
import { describe, expect, it, vi } from 'vitest';
import { builtinPatternsDir } from '../../../src/config/config.js';
import { CompiledPolicy } from '../../../src/detect/compile.js';
import { VALIDATORS } from '../../../src/detect/validators.js';
import { explainText } from '../../../src/detect/explain.js';
import { LineFilter } from '../../../src/detect/line-filter.js';
import { loadPolicy } from '../../../src/detect/load.js';
import { enclosingOf, encloses, mergeSpans, resolveOverlaps, type KeptSpan } from '../../../src/detect/overlaps.js';
import { ownTokens, scanText, type Candidate, type Match, type TraceEntry } from '../../../src/detect/scan.js';
import { DataKey, HashKey } from '../../../src/crypto/keys/cache.js';
import { kidFor } from '../../../src/crypto/keys/registry.js';
import { encryptToken, hashToken, wrapToken } from '../../../src/crypto/token.js';
import { policyFromYaml } from '../../helpers/policy.js';

const PACK = `
pack: t
allowlist:
  - value: 'user@example.invalid'
detectors:
  - id: email
    name: Email
    category: pii
    severity: medium
    regex: '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}'
    action: tokenize
    tests: {match: ['a@b.co']}
  - id: card
    name: Card
    category: financial
    severity: high
    regex: '\\b\\d(?:[ -]?\\d){12,18}\\b'
    validator: luhn
    action: {type: partial, keepLast: 4}
    tests: {match: ['4111111111111111']}
  - id: digits
    name: Long digit run
    category: pii
    severity: low
    regex: '\\b\\d{16}\\b'
    action: mask
    tests: {match: ['4111111111111111']}
  - id: pin
    name: PIN behind a keyword
    category: credential
    severity: critical
    regex: '\\b(?P<secret>\\d{4})\\b'
    keywords: [pin]
    keywordWindow: 10
    allowlist:
      - value: '0000'
    action: mask
    tests: {match: ['pin 1234']}
`;

describe('scanText', () => {
  const policy = policyFromYaml(PACK);

  it('finds positions of confirmed matches in order', () => {
    const text = 'mail a.b@example.com and card 4111 1111 1111 1111 now';
    const found = scanText(policy, text).map((m) => [m.detector.spec.id, text.slice(m.start, m.end)]);
    expect(found).toEqual([
      ['email', 'a.b@example.com'],
      ['card', '4111 1111 1111 1111'],
    ]);
  });

  it('resolves overlaps to the longest, then the most severe match', () => {
    // card and digits match the same 16 digits: same length, card is more severe.
    const found = scanText(policy, 'x 4111111111111111 y').map((m) => m.detector.spec.id);
    expect(found).toEqual(['card']);
    const trace: TraceEntry[] = [];
    scanText(policy, 'x 4111111111111111 y', trace);
    expect(trace).toContainEqual(expect.objectContaining({ detectorId: 'digits', verdict: 'overlapped', detail: 'overlapped by "card"' }));
  });

  it('rejects a match whose validator fails, and says why', () => {
    const trace: TraceEntry[] = [];
    const found = scanText(policy, 'card 4111111111111112', trace);
    expect(found.map((m) => m.detector.spec.id)).toEqual(['digits']);
    expect(trace).toContainEqual(expect.objectContaining({ detectorId: 'card', verdict: 'validator-failed' }));
  });

  it('needs a keyword within the window before the match', () => {
    expect(scanText(policy, 'pin: 4321').map((m) => m.detector.spec.id)).toEqual(['pin']);
    expect(scanText(policy, 'pin is far far away: 4321')).toEqual([]);
    expect(scanText(policy, 'code 4321')).toEqual([]);
  });

  it('finds again, on its own, a value its detector confirmed where its context stands', () => {
    const builtin = new CompiledPolicy(loadPolicy([builtinPatternsDir()]));
    const key = '6wnSWR34sVc6ysmGPrsykQGTIbQqBF5N4rWWQgWM';
    // The keyword stands before the second copy only; the first is the same secret.
    const text = `cohere.Client("${key}") # cohere_key = "${key}" x${key} ${key}9`;
    const found = scanText(builtin, text).map((m) => [m.detector.spec.id, m.start]);
    expect(found).toEqual([
      ['cohere-api-key', 15],
      ['cohere-api-key', 74],
    ]);
    // Inside a longer run of letters and digits, or shorter than six characters, it is not looked for.
    const pin = scanText(policyFromYaml(PACK), 'pin: 4321 then 4321 and 43210');
    expect(pin.map((m) => m.start)).toEqual([5]);
    const pins = policyFromYaml(PACK.replace("'\\b(?P<secret>\\d{4})\\b'", "'\\b(?P<secret>\\d{6})\\b'").replace("['pin 1234']", "['pin 123456']"));
    expect(scanText(pins, 'pin: 654321 then 654321 and 6543210, 654321').map((m) => m.start)).toEqual([5, 17, 37]);
    // Many values at once (searched together rather than one by one): the same repeats are found.
    const many = Array.from({ length: 40 }, (_, i) => `pin ${100000 + i}`).join(' ; ');
    const text2 = `${many} ; again 100007 and 100039 but not 1000390`;
    const values = scanText(pins, text2).map((m) => text2.slice(m.start, m.end));
    expect(values).toHaveLength(42);
    expect(values.slice(-2)).toEqual(['100007', '100039']);
  });

  it('redacts only the secret group', () => {
    const [m] = scanText(policy, 'PIN=9876;');
    expect(m && 'PIN=9876;'.slice(m.start, m.end)).toBe('9876');
  });

  it('finds the secret group where its text occurs more than once in the match', () => {
    const twice = policyFromYaml(`
pack: t
detectors:
  - id: pair
    name: Repeated digit pair
    category: pii
    severity: low
    regex: '(?:^|\\W)(\\d\\d)-(?P<secret>\\d\\d)\\b'
    action: mask
    tests: {match: ['12-12']}
`);
    // The group's text occurs twice in '12-12' (and in ' 55-55'), once in ' 34-56'.
    for (const [text, at] of [['12-12', 3], ['x 55-55 y 34-56', 5], ['a 34-56', 5]] as const) {
      const found = scanText(twice, text);
      expect(found.map((m) => [m.start, m.end]), text).toContainEqual([at, at + 2]);
    }
    const later = scanText(twice, 'a 34-56 b 55-55').map((m) => [m.start, m.end]);
    expect(later).toEqual([[5, 7], [13, 15]]);
  });

  it('goes on after the secret group, so that the context read after one value can start the next', () => {
    const guarded = policyFromYaml(`
pack: t
detectors:
  - id: hex
    name: Hex word between guards
    category: pii
    severity: low
    regex: '(?:^|[^\\w:])(?P<secret>[0-9a-f]{4}(?::[0-9a-f]{1,4})+)(?:$|[^\\w:])'
    action: mask
    tests: {match: ['a fe80:1 b']}
`);
    const text = 'fe80:1 fd00:2,abcd:3 x';
    // Each match reads the separator after its value; the next one needs it before its own.
    expect(scanText(guarded, text).map((m) => text.slice(m.start, m.end))).toEqual(['fe80:1', 'fd00:2', 'abcd:3']);
    const builtin = new CompiledPolicy(loadPolicy([builtinPatternsDir()]));
    const line = 'peers fe80::1 fd00::2 2001:db8::5;2001:db8::6';
    expect(scanText(builtin, line).map((m) => [m.detector.spec.id, line.slice(m.start, m.end)])).toEqual([
      ['ipv6', 'fe80::1'],
      ['ipv6', 'fd00::2'],
      ['ipv6', '2001:db8::5'],
      ['ipv6', '2001:db8::6'],
    ]);
  });

  it('honours detector and pack allowlists', () => {
    expect(scanText(policy, 'pin 0000')).toEqual([]);
    expect(scanText(policy, 'to user@example.invalid')).toEqual([]);
    const explained = explainText(policy, 'to user@example.invalid');
    expect(explained.entries).toContainEqual(
      expect.objectContaining({ detectorId: 'email', verdict: 'allowlisted', detail: 'pack allowlist value entry' }),
    );
  });

  // A detector whose allowlist has an entry of each target that looks around the value.
  const around = policyFromYaml(`
pack: around
detectors:
  - id: tok
    name: Token after a key
    category: secret
    severity: high
    regex: '(?:key|name)=(?P<secret>[a-z0-9]{8})'
    allowlist:
      - regex: '^name='
        target: match
      - regex: 'dry-run'
        target: line
      - regex: 'Version=key=[a-z0-9]{8}, Culture='
        target: context
    action: mask
    tests: {match: ['key=abcd1234']}
`);

  it('allows a value by what stands around it: the whole match, the line, or a stretch of the text that holds it', () => {
    const found = (text: string): string[] => scanText(around, text).map((m) => text.slice(m.start, m.end));
    // The value alone is allowed by no entry: each allows it only where its context stands (the same
    // value written again elsewhere is redacted as a repeat, so each case has values of its own).
    expect(found('key=abcd1234 name=wxyz9876')).toEqual(['abcd1234']);
    expect(found('dry-run: key=abcd1234')).toEqual([]);
    // The line that holds the value: a field's string of many lines is not one line.
    expect(found('dry-run: key=abcd1234\nprod: key=ijkl9012')).toEqual(['ijkl9012']);
    expect(found('key=abcd1234, Culture= and key=efgh5678')).toEqual(['abcd1234', 'efgh5678']);
    expect(found('Version=key=abcd1234, Culture= and key=efgh5678')).toEqual(['efgh5678']);
    // A value confirmed elsewhere and written again inside the allowed context stays there.
    expect(found('key=mnop3456 then Version=key=mnop3456, Culture=')).toEqual(['mnop3456']);
    const explained = explainText(around, 'name=abcd1234');
    expect(explained.entries).toContainEqual(expect.objectContaining({ detectorId: 'tok', verdict: 'allowlisted', detail: 'detector "tok" allowlist match regex /^name=/' }));
  });

  it('searches a text once for the context entries of an allowlist and each line once for its line entries, however many candidates they hold', () => {
    const values = Array.from({ length: 300 }, (_, i) => `v${String(i).padStart(7, '0')}`);
    // Three lines of 100 values each.
    const text = values.map((v, i) => (i === 7 ? `Version=key=${v}, Culture=` : `key=${v}`) + (i % 100 === 99 ? '\n' : ' ')).join('');
    const sources = new Map<string, number>();
    // Each call counted by its regex, then made as it was.
    const counted = (name: 'exec' | 'test') => {
      const original = RE2.prototype[name] as (this: RE2, ...args: unknown[]) => unknown;
      return vi.spyOn(RE2.prototype, name).mockImplementation(function (this: RE2, ...args: unknown[]) {
        sources.set(this.source, (sources.get(this.source) ?? 0) + 1);
        return original.apply(this, args);
      } as never);
    };
    const spies = [counted('exec'), counted('test')];
    try {
      const found = scanText(around, text).map((m) => text.slice(m.start, m.end));
      expect(found).toEqual(values.filter((_, i) => i !== 7));
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
    // One test of each line for the line entry, and the context entry's matches (one) and its last search.
    expect(sources.get('dry-run')).toBe(3);
    expect(sources.get('Version=key=[a-z0-9]{8}, Culture=')).toBe(2);
  });

  it("never detects logveil's own tokens again", () => {
    const text = 'seen [[EMAIL:tk1.AbCdEfGhIjKl.aGVsbG8td29ybGQtdGhpcy1pcy1hLXRva2Vu]] and [[CARD]] and [[EMAIL:h1.q83vEjRFZ3iJq83vEjRFZw]]';
    expect(scanText(policy, text)).toEqual([]);
  });

  it('takes every token logveil writes under any label for its own, and no token syntax around a secret', () => {
    const builtin = new CompiledPolicy(loadPolicy([builtinPatternsDir()]));
    const tokenKey = DataKey.fromPlaintext(kidFor(randomBytes(61)), randomBytes(32));
    const hashKey = HashKey.fromPlaintext(kidFor(randomBytes(61)), randomBytes(32));
    const labels = [...new Set(builtin.detectors.map((d) => d.spec.label))];
    const written: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const label = labels[i % labels.length] as string;
      const value = randomBytes(1 + (i % 40)).toString('base64');
      written.push(wrapToken(label, i % 3 === 2 ? hashToken(hashKey, label, value) : encryptToken(tokenKey, label, value, i % 3 === 0 ? 'deterministic' : 'randomized')));
    }
    const text = written.join(' ');
    expect(ownTokens(builtin, text)).toHaveLength(written.length);
    expect(scanText(builtin, text)).toEqual([]);
    // Each piece of these is clean alone; together they are a JWT's header and claims, a Vault token.
    for (const fake of ['[[X:tk1.eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0]]', '[[X:tk1.hvs.CAESIJlWh7ZmAbCdEfGhIjKlMnOpQrStUv]]']) {
      expect(ownTokens(builtin, fake), fake).toEqual([]);
      expect(scanText(builtin, fake).length, fake).toBeGreaterThan(0);
    }
  });

  it('says how far the nearest keyword stands from a match that has none within its window', () => {
    const far = 'my pin, written down long ago: 4321';
    expect(explainText(policy, far).entries.filter((e) => e.detectorId === 'pin')).toEqual([
      expect.objectContaining({ verdict: 'keyword-missing', start: 31, end: 35, detail: 'none of [pin] within 10 chars before the match; the nearest, "pin", ends 25 chars before it' }),
    ]);
    expect(explainText(policy, 'PIN ok; code 4321 and Pin').entries.find((e) => e.detectorId === 'pin')?.detail).toBe('none of [pin] within 10 chars before the match; the nearest, "PIN", ends 10 chars before it but starts 13 before it, past the 10-char window');
  });

  it('explains detectors that had a keyword but no prefilter hit', () => {
    const explained = explainText(policy, 'my pin is secret');
    expect(explained.entries).toContainEqual(expect.objectContaining({ detectorId: 'pin', verdict: 'no-prefilter-hit' }));
    expect(explained.redacted).toEqual([]);
  });
  it('explains a valid value whose keyword, written into the regex, is missing, too far or kept apart', () => {
    const ssn = policyFromYaml(`
pack: t
detectors:
  - id: ssn-bare
    name: SSN as 9 digits next to a keyword
    category: identity
    severity: high
    regex: '(?i:ssn|social security)[^0-9\\n]{0,10}?(?:^|[^\\w-])(?P<secret>\\d{9})\\b'
    validator: us-ssn
    action: mask
    tests: {match: ['ssn 536221234']}
`);
    const near = (text: string) => explainText(ssn, text).entries.filter((e) => e.detectorId === 'ssn-bare');
    expect(near('ssn: 536221234')).toEqual([expect.objectContaining({ verdict: 'fired', start: 5, end: 14 })]);
    expect(near('id 536221234')).toEqual([
      expect.objectContaining({ verdict: 'keyword-missing', start: 3, end: 12, detail: 'the value matches, but none of [ssn, social security] stands before it' }),
    ]);
    const far = 'SSN (as given on the form): 536221234';
    expect(near(far)).toEqual([
      expect.objectContaining({ verdict: 'keyword-missing', start: 28, end: 37, detail: 'the value matches, but its nearest keyword "ssn" ends 25 chars before it, and the regex\'s gap takes at most 10' }),
    ]);
    expect(near('ssn 1, 536221234')[0]?.detail).toBe('the value matches and "ssn" ends 4 chars before it, but the text between them holds what the regex does not allow there');
    // A value the validator refuses is no near miss; one the keyword confirms is no miss at all.
    expect(near('id 000221234')).toEqual([]);
    expect(near('ssn 536221234 and id 536221235')).toEqual([
      expect.objectContaining({ verdict: 'fired', start: 4, end: 13 }),
      expect.objectContaining({ verdict: 'keyword-missing', start: 21, end: 30 }),
    ]);
    expect(explainText(ssn, 'id 536221234').redacted).toEqual([]);
    // A regex that is case-insensitive as a whole reads its value so in the near miss too.
    const dni = policyFromYaml(`
pack: t
detectors:
  - id: dni
    name: DNI next to a keyword
    category: identity
    severity: high
    regex: '(?i)(?i:dni)[^0-9\\n]{0,5}(?:^|[^\\w-])(?P<secret>\\d{8}-?[A-Z])\\b'
    action: mask
    tests: {match: ['dni 35796330g']}
`);
    expect(explainText(dni, 'id 35796330g').entries).toEqual([expect.objectContaining({ detectorId: 'dni', verdict: 'keyword-missing', start: 3, end: 12 })]);
  });
});

/** An e-mail detector and a connection-string password detector, as pack YAML. */
const EMAIL_AND_DB_URI = `  - id: email
    name: Email
    category: pii
    severity: medium
    regex: '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}'
    action: mask
    tests: {match: ['a@b.co']}
  - id: db-uri
    name: Connection string password
    category: credential
    severity: high
    regex: 'postgres://[^:/\\s]+:(?P<secret>[^@/\\s]+)@[^\\s]+'
    action: mask
    tests: {match: ['postgres://u:p@h/db']}
`;

describe('a policy compiled lazily', () => {
  it('builds its prefilters when first asked for, once, and answers as one built at once', () => {
    const spec = loadPolicy([builtinPatternsDir()]);
    const build = vi.spyOn(LineFilter, 'build');
    try {
      const lazy = new CompiledPolicy(spec, { maxDepth: 64, lazy: true });
      expect(build).not.toHaveBeenCalled();
      const eager = new CompiledPolicy(spec, { maxDepth: 64 });
      expect(build).toHaveBeenCalledTimes(1);
      for (const text of ['password=hunter2!x', 'contact alice@example.org', 'nothing to see', '{"ssn":"123-45-6789"}']) {
        expect(lazy.prefilter?.candidates(text)).toEqual(eager.prefilter?.candidates(text));
        expect(lazy.lineFilter?.test(Buffer.from(text))).toBe(eager.lineFilter?.test(Buffer.from(text)));
        expect(scanText(lazy, text).map((m) => m.detector.spec.id)).toEqual(scanText(eager, text).map((m) => m.detector.spec.id));
      }
      expect(build).toHaveBeenCalledTimes(2);
    } finally {
      build.mockRestore();
    }
  });
});

describe('verdicts on repeated values', () => {
  /** Runs `fn` with the Luhn validator watched; gives how many times it was asked. */
  const luhnCalls = (fn: () => void): number => {
    const luhn = vi.spyOn(VALIDATORS['luhn'] as NonNullable<(typeof VALIDATORS)['luhn']>, 'validate');
    try {
      fn();
      return luhn.mock.calls.length;
    } finally {
      luhn.mockRestore();
    }
  };

  it('asks the validator once per value and detector, and gives the same findings and traces each time', () => {
    const policy = policyFromYaml(PACK);
    const text = 'card 4111 1111 1111 1111 then 4111 1111 1111 1112, pin 0000 and pin 0000';
    const first: TraceEntry[] = [];
    const again: TraceEntry[] = [];
    const spans = (trace: TraceEntry[]): unknown[] => scanText(policy, text, trace).map((m) => [m.detector.spec.id, m.start, m.end]);
    let found: unknown[] = [];
    expect(luhnCalls(() => (found = spans(first)))).toBe(2);
    // The repeat asks nothing: the allowlisted PIN and both card numbers are answered from memory.
    expect(luhnCalls(() => expect(spans(again)).toEqual(found))).toBe(0);
    expect(again).toEqual(first);
    expect(first.filter((t) => t.verdict === 'allowlisted').map((t) => t.detectorId)).toEqual(['pin', 'pin']);
    expect(first.filter((t) => t.verdict === 'validator-failed').map((t) => t.detectorId)).toEqual(['card']);
  });

  it('keeps no verdict on a value too long to be worth it, and still answers it', () => {
    const policy = policyFromYaml(`
pack: long
detectors:
  - id: long-number
    name: A long number with a check digit
    category: pii
    severity: low
    regex: '\\b\\d{100,300}\\b'
    validator: luhn
    action: mask
    tests: {match: ['${'4'.repeat(100)}']}
`);
    // Longer than the clean values kept too, so the second scan runs.
    const long = `n ${'7'.repeat(200)} ${'x'.repeat(80)}`;
    // Each scan validates the 200-digit value: it is longer than the verdicts kept.
    expect(luhnCalls(() => [1, 2].forEach(() => expect(scanText(policy, long)).toEqual([])))).toBe(2);
  });
});

describe('keywords with characters JavaScript lowers to two (`İ`)', () => {
  const policy = policyFromYaml(`
pack: k
detectors:
  - id: tc-kimlik
    name: Turkish identity number next to its keyword
    category: pii
    severity: high
    regex: '\\b[1-9]\\d{10}\\b'
    action: mask
    keywords: ['KİMLİK']
    tests: {match: ['KİMLİK 12345678901']}
`);

  it('finds the keyword as RE2 folds it, and explain names it when the regex does not match', () => {
    expect(scanText(policy, 'kİmlİk 12345678901').map((m) => m.detector.spec.id)).toEqual(['tc-kimlik']);
    const explained = explainText(policy, 'KİMLİK none');
    expect(explained.entries).toContainEqual(expect.objectContaining({ detectorId: 'tc-kimlik', verdict: 'no-prefilter-hit', detail: 'keyword "kİmlİk" present but the regex does not match' }));
  });
});

describe('overlap ranking', () => {
  it('lets a match yield to an enclosing match with a different span (the password inside a connection string)', () => {
    const policy = policyFromYaml(`
pack: o
detectors:
${EMAIL_AND_DB_URI}`);
    const text = 'postgres://app:S3cret-pw@db.example.net:5432/orders';
    const found = scanText(policy, text).map((m) => [m.detector.spec.id, text.slice(m.start, m.end)]);
    expect(found).toEqual([['db-uri', 'S3cret-pw']]);
  });

  it('takes a connection string of the built-in packs whole, so that the e-mail-like password@host inside it yields', () => {
    const policy = new CompiledPolicy(loadPolicy([builtinPatternsDir()]), { maxDepth: 64 });
    for (const [text, id, secret] of [
      ['DATABASE_URL=postgres://app:Xk29vQpLm2@mydb.abc123.us-east-1.rds.amazonaws.com:5432/prod', 'db-connection-string', 'Xk29vQpLm2'],
      ['mongodb+srv://svc:Rk7pT2wZq@cluster0.ab1cd.mongodb.net/prod?retryWrites=true', 'db-connection-string-driver', 'Rk7pT2wZq'],
      ['postgres://app:p@ss/w0rd@db.example.net:5432/app', 'db-connection-string', 'p@ss/w0rd'],
    ] as const) {
      const found = scanText(policy, text).map((m) => [m.detector.spec.id, m.detector.spec.severity, text.slice(m.start, m.end)]);
      expect(found).toEqual([[id, 'critical', secret]]);
    }
  });
});

/** The text as redaction leaves it: every found span replaced, the rest verbatim. */
function redacted(text: string, found: readonly Match[]): string {
  let out = '';
  let pos = 0;
  for (const m of found) {
    out += `${text.slice(pos, m.start)}[[${m.detector.spec.id}]]`;
    pos = m.end;
  }
  return out + text.slice(pos);
}

describe('overlap merging', () => {
  const builtin = new CompiledPolicy(loadPolicy([builtinPatternsDir()]));

  /** Scans with the built-in packs, checking that explain reports the same spans. */
  function scanBuiltin(text: string): { found: Match[]; trace: TraceEntry[]; out: string } {
    const trace: TraceEntry[] = [];
    const found = scanText(builtin, text, trace);
    expect(explainText(builtin, text).redacted).toEqual(found.map((m) => ({ detectorId: m.detector.spec.id, start: m.start, end: m.end })));
    return { found, trace, out: redacted(text, found) };
  }

  it('keeps a match that yields to an enclosing match when that enclosing match is merged away', () => {
    // aws-access-key-id lies inside the e-mail match, which partly overlaps the longer doppler-token.
    const text = 'AKIAIOSFODNN7EXAMPL2@dp.st.prd.1aOZp9jMxKLIokHwUjma8aCM0qQegiSda9dqNrxA3UH';
    const { found, trace, out } = scanBuiltin(text);
    expect(out).not.toContain('AKIAIOSFODNN7EXAMPL2');
    expect(out).not.toContain('1aOZp9jMxKLIokHwUjma8aCM0qQegiSda9dqNrxA3UH');
    expect(found.map((m) => [m.detector.spec.id, m.start, m.end])).toEqual([['doppler-token', 0, text.length]]);
    expect(trace).toContainEqual(expect.objectContaining({ detectorId: 'email', verdict: 'overlapped', detail: 'merged into "doppler-token"' }));
  });

  it('merges a match that a longer match only partly overlaps instead of dropping it', () => {
    const text = 'api_key=diyRn312ZJcLNj1wEm2GOVOxisxFxopj-MT84 MALT 0110 0001 2345 MTLC AST0 01S';
    const { found, trace, out } = scanBuiltin(text);
    expect(out).not.toContain('diyRn312ZJcLNj1wEm2GOVOxisxFxopj');
    expect(out).toBe('api_key=[[iban-letter-tail]]');
    expect(found).toHaveLength(1);
    expect(trace).toContainEqual(
      expect.objectContaining({ detectorId: 'generic-api-key', verdict: 'overlapped', start: 8, end: 45, detail: 'merged into "iban-letter-tail"' }),
    );
    expect(trace).toContainEqual(
      expect.objectContaining({ detectorId: 'iban-letter-tail', verdict: 'fired', start: 8, end: text.length, detail: 'widened to cover "generic-api-key"' }),
    );
  });

  it('widens the best-ranked span and absorbs the other kept spans a merge reaches', () => {
    const policy = policyFromYaml(`
pack: m
detectors:
  - id: alpha
    name: Alpha run
    category: secret
    severity: high
    regex: 'A{10}'
    action: mask
    tests: {match: ['AAAAAAAAAA']}
  - id: beta
    name: Beta run
    category: secret
    severity: high
    regex: 'B{10}'
    action: mask
    tests: {match: ['BBBBBBBBBB']}
  - id: bridge
    name: Bridge
    category: secret
    severity: low
    regex: 'AA--BB'
    action: mask
    tests: {match: ['AA--BB']}
`);
    const text = 'x AAAAAAAAAA--BBBBBBBBBB y';
    const trace: TraceEntry[] = [];
    const found = scanText(policy, text, trace);
    expect(redacted(text, found)).toBe('x [[alpha]] y');
    expect(trace).toContainEqual(expect.objectContaining({ detectorId: 'bridge', verdict: 'overlapped', detail: 'merged into "alpha"' }));
    expect(trace).toContainEqual(expect.objectContaining({ detectorId: 'beta', verdict: 'overlapped', start: 14, end: 24, detail: 'merged into "alpha"' }));
    expect(trace.filter((t) => t.verdict === 'fired')).toEqual([
      { detectorId: 'alpha', verdict: 'fired', start: 2, end: 24, detail: 'widened to cover "bridge", "beta"' },
    ]);
  });

  it('lets a match inside a connection string yield only while the connection string stands', () => {
    const policy = policyFromYaml(`
pack: c
detectors:
${EMAIL_AND_DB_URI}  - id: dsn
    name: DSN assignment
    category: credential
    severity: critical
    regex: 'dsn=(?P<secret>[^@\\s]+)@'
    action: mask
    tests: {match: ['dsn=u:p@h']}
`);
    // The connection string stands: only its password is redacted, the host stays.
    const uri = 'postgres://user:S3cr3tP4ss@db.example.com/app';
    expect(redacted(uri, scanText(policy, uri))).toBe('postgres://user:[[db-uri]]@db.example.com/app');
    // The dsn match covers the password, so the connection string is dropped and the e-mail-like
    // `S3cr3tP4ss@db.example.com` stands again, merged into dsn's span.
    const dsn = `dsn=${uri}`;
    const trace: TraceEntry[] = [];
    const found = scanText(policy, dsn, trace);
    expect(redacted(dsn, found)).toBe('dsn=[[dsn]]/app');
    expect(trace).toContainEqual(expect.objectContaining({ detectorId: 'db-uri', verdict: 'overlapped', detail: 'overlapped by "dsn"' }));
    expect(trace).toContainEqual(expect.objectContaining({ detectorId: 'email', verdict: 'overlapped', detail: 'merged into "dsn"' }));
    expect(trace.some((t) => t.detail?.startsWith('inside the match of'))).toBe(false);
    // The built-in connection string is taken whole, host included: the e-mail-like part yields.
    expect(scanBuiltin(uri).out).toBe('postgres://user:[[db-connection-string]]@db.example.com/app');
  });

  it('lets a match inside a connection string yield while another detector redacts exactly its password', () => {
    const policy = policyFromYaml(`
pack: c
detectors:
${EMAIL_AND_DB_URI}  - id: token
    name: A vendor token
    category: secret
    severity: critical
    regex: 'tok_[A-Za-z0-9]{8}'
    action: mask
    tests: {match: ['tok_abcd1234']}
`);
    // The token detector ranks above the connection string on the same span: that span is redacted
    // as the connection string would redact it, so the host it saw stays.
    const uri = 'postgres://user:tok_abcd1234@db.example.com/app';
    const trace: TraceEntry[] = [];
    expect(redacted(uri, scanText(policy, uri, trace))).toBe('postgres://user:[[token]]@db.example.com/app');
    expect(trace).toContainEqual(expect.objectContaining({ detectorId: 'email', verdict: 'overlapped', detail: 'inside the match of "db-uri"' }));
    // As the built-in packs read a GitHub token in a clone URL.
    expect(scanBuiltin('git clone https://x-access-token:ghs_16C7e42F292c6912E7710c838347Ae178B4a@github.com/o/r.git').out).toBe('git clone https://x-access-token:[[github-app-token]]@github.com/o/r.git');
  });
});

describe('enclosingOf', () => {
  it('finds for each candidate the same enclosing ones, in rank order, as comparing every pair', () => {
    const detector = new CompiledPolicy(loadPolicy([builtinPatternsDir()])).detectors[0] as Candidate['detector'];
    const candidate = fc
      .tuple(fc.nat(40), fc.nat(12), fc.nat(3), fc.nat(3))
      .map(([matchStart, len, a, b]): Candidate => {
        const start = matchStart + Math.min(a, len);
        return { detector, matchStart, matchEnd: matchStart + len + 1, start, end: Math.max(start + 1, matchStart + len + 1 - b), reading: '', decodedValue: '' };
      });
    let enclosed = 0;
    fc.assert(
      fc.property(fc.array(candidate, { maxLength: 25 }), (ranked) => {
        const outers = enclosingOf(ranked);
        enclosed += outers.size;
        const got = ranked.map((c) => (outers.get(c) ?? []).map((o) => ranked.indexOf(o)));
        const want = ranked.map((c) => ranked.filter((o) => encloses(o, c)).map((o) => ranked.indexOf(o)));
        expect(got).toEqual(want);
      }),
      { numRuns: 500 },
    );
    expect(enclosed).toBeGreaterThan(100);
  });
});

describe('resolveOverlaps of one candidate', () => {
  it('gives the match and the trace the passes over several candidates give it', () => {
    const detector = new CompiledPolicy(loadPolicy([builtinPatternsDir()])).detectors[0] as Candidate['detector'];
    for (const [reading, decodedValue] of [['', ''], ['escapes decoded', 'a@b.example']]) {
      const c: Candidate = { detector, matchStart: 2, matchEnd: 20, start: 4, end: 18, reading: reading as string, decodedValue: decodedValue as string };
      const trace: TraceEntry[] = [];
      const passLog: TraceEntry[] = [];
      const pass = mergeSpans([c], passLog);
      const want = pass.spans.map(({ detector: d, start, end, decodedValue: v }) => ({ detector: d, start, end, ...(v ? { value: v } : {}) }));
      expect(resolveOverlaps([c], trace)).toEqual(want);
      expect(resolveOverlaps([c])).toEqual(want);
      expect(trace).toEqual(passLog);
      expect(trace).toEqual([{ detectorId: detector.spec.id, verdict: 'fired', start: 4, end: 18, ...(reading ? { detail: `with its ${reading}` } : {}) }]);
    }
  });
});

/** The first definition of mergeSpans: every kept span compared with every candidate. */
function mergeSpansPairwise(ranked: readonly Candidate[], log: TraceEntry[]): { spans: KeptSpan[]; covered: Set<Candidate> } {
  const overlaps = (a: Match, b: Match): boolean => a.start < b.end && b.start < a.end;
  const widen = (kept: KeptSpan, other: Match): void => {
    kept.start = Math.min(kept.start, other.start);
    kept.end = Math.max(kept.end, other.end);
    if (!kept.fired) return;
    const id = `"${other.detector.spec.id}"`;
    kept.fired.start = kept.start;
    kept.fired.end = kept.end;
    kept.fired.detail = kept.fired.detail ? `${kept.fired.detail}, ${id}` : `widened to cover ${id}`;
  };
  const coveredBy = (list: readonly Match[], start: number, end: number): boolean => {
    let pos = start;
    for (const k of [...list].sort((a, b) => a.start - b.start)) {
      if (k.start > pos) return false;
      pos = Math.max(pos, k.end);
    }
    return pos >= end;
  };
  const note = (c: Candidate, detail: string): void => void log.push({ detectorId: c.detector.spec.id, verdict: 'overlapped', start: c.start, end: c.end, detail });
  const spans: KeptSpan[] = [];
  const covered = new Set<Candidate>();
  for (const c of ranked) {
    const hit = spans.filter((k) => overlaps(k, c));
    const best = hit[0];
    if (!best) {
      const fired: TraceEntry = { detectorId: c.detector.spec.id, verdict: 'fired', start: c.start, end: c.end };
      log.push(fired);
      spans.push({ detector: c.detector, start: c.start, end: c.end, fired, decodedValue: '' });
      continue;
    }
    const into = `"${best.detector.spec.id}"`;
    if (coveredBy(hit, c.start, c.end)) {
      covered.add(c);
      note(c, `overlapped by ${into}`);
      continue;
    }
    note(c, `merged into ${into}`);
    widen(best, c);
    for (let i = spans.length - 1; i >= 0; i--) {
      const k = spans[i];
      if (!k || k === best || !overlaps(k, best)) continue;
      spans.splice(i, 1);
      widen(best, k);
      if (k.fired) Object.assign(k.fired, { verdict: 'overlapped', detail: `merged into ${into}` });
    }
  }
  return { spans, covered };
}

describe('mergeSpans', () => {
  it('keeps, merges and drops exactly as comparing every kept span with every candidate did', () => {
    const detectors = new CompiledPolicy(loadPolicy([builtinPatternsDir()])).detectors.slice(0, 4);
    const candidate = fc.tuple(fc.nat(60), fc.integer({ min: 1, max: 15 }), fc.nat(3)).map(
      ([start, len, d]): Candidate => ({ detector: detectors[d] as Candidate['detector'], start, end: start + len, matchStart: start, matchEnd: start + len, reading: '', decodedValue: '' }),
    );
    let merged = 0;
    fc.assert(
      fc.property(fc.array(candidate, { maxLength: 30 }), (ranked) => {
        const logA: TraceEntry[] = [];
        const logB: TraceEntry[] = [];
        const a = mergeSpans(ranked, logA);
        const b = mergeSpansPairwise(ranked, logB);
        merged += logB.filter((t) => t.detail?.startsWith('merged')).length;
        const plain = (r: { spans: KeptSpan[] }): unknown => r.spans.map(({ detector, start, end }) => [detector.spec.id, start, end]);
        expect(plain(a)).toEqual(plain(b));
        expect([...a.covered].map((c) => ranked.indexOf(c))).toEqual([...b.covered].map((c) => ranked.indexOf(c)));
        expect(logA).toEqual(logB);
      }),
      { numRuns: 500 },
    );
    expect(merged).toBeGreaterThan(100);
  });
});

describe('CompiledPolicy.keyBlockDetector', () => {
  const detector = (id: string, regex: string, sample: string): string => `
  - id: ${id}
    name: ${id}
    category: secret
    severity: high
    regex: '${regex}'
    action: tokenize
    tests: {match: ['${sample}']}`;
  const pack = (...detectors: string[]): string => `pack: t\ndetectors:${detectors.join('')}\n`;
  const base64 = detector('base64-blob', '[A-Za-z0-9+/]{40,}', 'A'.repeat(40));
  const key = detector('pem-key', '-----BEGIN (?:RSA )?PRIVATE KEY-----', '-----BEGIN PRIVATE KEY-----');
  const later = detector('pem-key-too', '-----BEGIN [A-Z ]*PRIVATE KEY-----', '-----BEGIN EC PRIVATE KEY-----');

  it('is the first detector that takes a key from its BEGIN line, not one that matches its body', () => {
    expect(policyFromYaml(pack(base64, key, later)).keyBlockDetector?.spec.id).toBe('pem-key');
    expect(policyFromYaml(pack(later, base64, key)).keyBlockDetector?.spec.id).toBe('pem-key-too');
    expect(policyFromYaml(pack(base64)).keyBlockDetector).toBeUndefined();
    expect(new CompiledPolicy(loadPolicy([builtinPatternsDir()])).keyBlockDetector?.spec.id).toBe('private-key');
  });
});

import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ActionPolicy } from '../../src/act/actions.js';
import { redactRecord, type RedactOptions } from '../../src/act/redact.js';
import { builtinPatternsDir } from '../../src/config/config.js';
import { detokenizeText } from '../../src/crypto/detokenize.js';
import { CompiledPolicy } from '../../src/detect/compile.js';
import { loadPolicy } from '../../src/detect/load.js';
import { scanText } from '../../src/detect/scan.js';
import type { JsonValue, LogRecord } from '../../src/record.js';
import { localKeys } from '../helpers/keys.js';
import { message } from '../helpers/values.js';

const keyName = fc.constantFrom('msg', 'user', 'detail', 'note', 'path', 'body', 'extra', 'ctx');

/** JSON bodies whose string leaves are log messages with sensitive values mixed in. */
const body: fc.Arbitrary<{ value: JsonValue; values: string[] }> = fc
  .letrec<{ node: { value: JsonValue; values: string[] } }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      message.map((m) => ({ value: m.text, values: m.values })),
      fc.oneof(fc.integer(), fc.boolean(), fc.constant(null)).map((v) => ({ value: v as JsonValue, values: [] })),
      fc.array(tie('node'), { maxLength: 4 }).map((items) => ({ value: items.map((i) => i.value), values: items.flatMap((i) => i.values) })),
      fc.uniqueArray(fc.tuple(keyName, tie('node')), { maxLength: 4, selector: ([k]) => k }).map((entries) => ({
        value: Object.fromEntries(entries.map(([k, v]) => [k, v.value])),
        values: entries.flatMap(([, v]) => v.values),
      })),
    ),
  }))
  .node;

const record = (b: JsonValue): LogRecord => ({
  body: b,
  structured: typeof b === 'object' && b !== null,
  attributes: {},
  resource: {},
  source: { file: 'prop', line: 1 },
});

function leaves(v: JsonValue, out: string[] = []): string[] {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => leaves(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => leaves(x, out));
  return out;
}

describe('redaction properties (built-in packs)', () => {
  let options: RedactOptions;
  let tokenizeAll: RedactOptions;
  let keys: Awaited<ReturnType<typeof localKeys>>['keys'];

  beforeAll(async () => {
    keys = (await localKeys()).keys;
    const tokenKey = await keys.current();
    const hashKey = await keys.hashKey();
    const policy = new CompiledPolicy(loadPolicy([builtinPatternsDir()]));
    const base = { policy, maxDepth: 64, keys: { tokenKey: () => tokenKey, hashKey: () => hashKey } };
    options = { ...base, actions: new ActionPolicy() };
    const everyDetector = Object.fromEntries(policy.detectors.map((d) => [d.spec.id, { type: 'tokenize' as const }]));
    tokenizeAll = { ...base, actions: new ActionPolicy({ byDetector: everyDetector }) };
  });

  const out = (b: JsonValue, o = options): JsonValue => {
    const r = redactRecord(record(b), o);
    if (r.kind !== 'keep') throw new Error('dropped');
    return r.body as JsonValue;
  };

  it('no injected value survives, and nothing detectable is left in the output', () => {
    fc.assert(
      fc.property(body, ({ value, values }) => {
        const redacted = out(value);
        const text = JSON.stringify(redacted);
        for (const v of values) expect(text).not.toContain(v);
        for (const leaf of leaves(redacted)) expect(scanText(options.policy, leaf)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('is idempotent: redact(redact(x)) == redact(x)', () => {
    fc.assert(
      fc.property(body, ({ value }) => {
        const once = out(value);
        expect(out(once)).toEqual(once);
      }),
      { numRuns: 300 },
    );
  });

  it('never mutates its input', () => {
    fc.assert(
      fc.property(body, ({ value }) => {
        const before = JSON.stringify(value);
        out(value);
        expect(JSON.stringify(value)).toBe(before);
      }),
      { numRuns: 200 },
    );
  });

  it('detokenize(redact(x)) == x when every detector tokenizes', async () => {
    await fc.assert(
      fc.asyncProperty(message, async ({ text }) => {
        const redacted = out(text, tokenizeAll) as string;
        const back = await detokenizeText(redacted, keys);
        expect(back.failures).toEqual([]);
        expect(back.text).toBe(text);
      }),
      { numRuns: 200 },
    );
  });
});

import { describe, expect, it } from 'vitest';
import { ActionPolicy } from '../../../src/act/actions.js';
import { builtinPatternsDir } from '../../../src/config/config.js';
import { CompiledPolicy } from '../../../src/detect/compile.js';
import { decodedViews, decodeEscapes, hasEscapes, hasRawEscape, MAX_LEVELS } from '../../../src/detect/escapes.js';
import { controlEscapesDecoded, textEscapesDecoded } from '../../../src/detect/json-readings.js';
import { explainText } from '../../../src/detect/explain.js';
import { loadPolicy } from '../../../src/detect/load.js';
import { scanText } from '../../../src/detect/scan.js';
import { processBatch } from '../../../src/pipeline/batch.js';
import { decryptToken } from '../../../src/crypto/token.js';
import { LIMITS } from '../../helpers/engine.js';
import { localKeys } from '../../helpers/keys.js';

const builtin = new CompiledPolicy(loadPolicy([builtinPatternsDir()]));
const spans = (text: string): Array<[string, string]> => scanText(builtin, text).map((m) => [m.detector.spec.id, text.slice(m.start, m.end)]);

describe('decodeEscapes', () => {
  it('decodes percent-escapes of ASCII bytes and \\u escapes, each char mapped to where it starts', () => {
    const view = decodeEscapes('a%40b\\u002Ecx');
    expect(view?.text).toBe('a@b.cx');
    expect(view?.at).toEqual([0, 1, 4, 5, 11, 12, 13]);
  });

  it('decodes the escapes of one valid UTF-8 character together, its units mapped to the first escape', () => {
    const view = decodeEscapes('n%C3%A9e %e2%82%ac%F0%9F%98%80!');
    expect(view?.text).toBe('n\u00e9e \u20ac\u{1f600}!');
    expect(view?.at).toEqual([0, 1, 7, 8, 9, 18, 18, 30, 31]);
    // No character: a lone continuation byte, an overlong form, a surrogate, a cut sequence, Latin-1.
    for (const t of ['%A9x', '%C0%80', '%ED%A0%80', '%E2%82', '%E2%82x', '%E9t%E9', '%F5%80%80%80']) {
      expect(decodeEscapes(t), t).toBeUndefined();
    }
    // Cut short, the sequence stays as written and the ASCII escape after it is still decoded.
    expect(decodeEscapes('%C3%40')?.text).toBe('%C3@');
    expect(hasRawEscape(Buffer.from('n%C3%A9e'))).toBe(true);
    expect(hasRawEscape(Buffer.from('n%E9e'))).toBe(false);
  });

  it("decodes JSON's escaped solidus and quote, which JSON inside a text line carries", () => {
    const view = decodeEscapes('u=https:\\/\\/h.io q=\\"x\\"');
    expect(view?.text).toBe('u=https://h.io q="x"');
    expect(view?.at.slice(0, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 10]);
    expect(spans('hook=https:\\/\\/hooks.slack.com\\/services\\/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').map(([id]) => id)).toContain('slack-webhook');
  });

  it('decodes HTML character references: numeric of any character, named of punctuation', () => {
    const view = decodeEscapes('bob&#64;ex&#x2E;io &commat;&#128512;!');
    expect(view?.text).toBe('bob@ex.io @\u{1f600}!');
    expect(view?.at).toEqual([0, 1, 2, 3, 8, 9, 10, 16, 17, 18, 19, 27, 27, 36, 37]);
    expect(spans('mail bob&#64;example&period;com')).toEqual([['email', 'bob&#64;example&period;com']]);
    expect(spans('contact &valueOf; alice&#64;example.com now')).toEqual([['email', 'alice&#64;example.com']]);
    // An ampersand of text, a name not decoded, a surrogate, a code point past U+10FFFF: as written.
    for (const t of ['AT&T; R&D;', '&foo;', '&#xD800;', '&#1114112;', '&#;', '& #64;', '&#x;', '&amp', '&valueOf;', '&constructor;']) {
      expect(decodeEscapes(t), t).toBeUndefined();
      expect(hasRawEscape(Buffer.from(t)), t).toBe(false);
    }
    expect(hasRawEscape(Buffer.from('a&amp;b'))).toBe(true);
    expect(hasRawEscape(Buffer.from('x&#x40;'))).toBe(true);
    // As browsers read them: leading zeros, and a numeric reference without its semicolon.
    expect(decodeEscapes('bob&#00000064;ex.io b&#64ex.io b&#x40x')?.text).toBe('bob@ex.io b@ex.io b@x');
    expect(hasRawEscape(Buffer.from('b&#0000000000064x'))).toBe(true);
    // Encoded twice: `&amp;#64;` is `&#64;`, then `@`.
    expect(decodedViews('a&amp;#64;b.io').map((v) => v.text)).toEqual(['a&#64;b.io', 'a@b.io']);
  });

  it('leaves text without such escapes alone', () => {
    for (const t of ['CPU 95% done', '100%', 'x%4', '%G0', '%4\x10', '%8g', '\\u12', '\\u00\x10\x10', '\\x4', '\\x80', '\\xg0', '\\x0a', 'plain']) {
      expect(hasEscapes(t), t).toBe(false);
      expect(decodeEscapes(t), t).toBeUndefined();
      expect(hasRawEscape(Buffer.from(t)), t).toBe(false);
    }
    expect(hasRawEscape(Buffer.from('a%4A'))).toBe(true);
    expect(hasRawEscape(Buffer.from('100% %2f'))).toBe(true);
    // An escaped backslash before x: no escape.
    expect(decodeEscapes('C:\\\\x41')).toBeUndefined();
  });

  it('decodes a string literal\'s escapes of ASCII bytes, each mapped onto its four characters', () => {
    const text = 'const t = "\\x67\\x68\\x70\\x5F_x"';
    const view = decodeEscapes(text);
    expect(view?.text).toBe('const t = "ghp__x"');
    expect(view?.at.slice(11, 15)).toEqual([11, 15, 19, 23]);
    expect(hasEscapes(text)).toBe(true);
  });
});

describe('MIME encoded words', () => {
  const word = (text: string): string => `=?utf-8?B?${Buffer.from(text).toString('base64')}?=`;

  it('decodes B and Q words of any charset the runtime knows, each mapped whole', () => {
    const b = decodeEscapes(`To: ${word('joerg@example.de')} ok`);
    expect(b?.text).toBe('To: joerg@example.de ok');
    // Every unit of the word starts where the word does; a span ending inside it ends where the word does.
    const wordEnd = 4 + word('joerg@example.de').length;
    expect(b?.at.slice(4, 20)).toEqual(Array(16).fill(4));
    expect(b?.end?.[10]).toBe(wordEnd);
    expect(b?.end?.[3]).toBe(3);
    expect(decodeEscapes('=?ISO-8859-1?Q?J=F6rg_M=FCller=40example.de?=')?.text).toBe('Jörg Müller@example.de');
    expect(decodeEscapes('=?utf-8*en?q?a=40b.com?=')?.text).toBe('a@b.com');
  });

  it('reads two words apart by spaces as one text, as a mailer splits a long one', () => {
    const view = decodeEscapes(`${word('joerg.')} \t${word('mueller@example.de')}, x`);
    expect(view?.text).toBe('joerg.mueller@example.de, x');
  });

  it('leaves a word alone whose charset is unknown or whose text is not of its encoding', () => {
    for (const t of ['=?x-no-such-charset?B?YWJj?=', '=?utf-8?B?a$b=?=', '=?utf-8?Q?a=4?=', '=?utf-8?X?abc?=', 'q=?a?b', '=?utf-8?B?YWJj']) {
      expect(decodeEscapes(t)).toBeUndefined();
    }
    expect(hasRawEscape(Buffer.from('GET /s?q=?&x=1'))).toBe(false);
    expect(hasRawEscape(Buffer.from(`{"to":"${word('a@b.com')}"}`))).toBe(true);
  });

  it('has detection redact the whole word an address or a name is encoded in', () => {
    const text = `From: =?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <x@y.org>, To: ${word('joerg.mueller@example.de')}`;
    const found = spans(text);
    expect(found).toContainEqual(['email', word('joerg.mueller@example.de')]);
    expect(found).toContainEqual(['email', 'x@y.org']);
  });

  it('sends a raw line holding one off the fast path, and its token is the plain address\'s', async () => {
    const { keys } = await localKeys();
    const tokenKey = await keys.current();
    const lines = [`{"to":"${word('joerg.mueller@example.de')}","n":1}`, 'to joerg.mueller@example.de', '{"q":"=?x"}'];
    const r = processBatch(
      { seq: 0, file: 'mail.log', firstLine: 1, firstOffset: 0, data: Buffer.from(lines.join('\n') + '\n') },
      { policy: builtin, actions: new ActionPolicy(), format: 'auto', limits: LIMITS, tokenKey, hashKey: await keys.hashKey(), quarantineKey: tokenKey },
    );
    const out = Buffer.from(r.output).toString('utf8').split('\n');
    const token = /\[\[EMAIL:tk1\.[^\]]+\]\]/;
    expect(out[0]).toMatch(/^\{"to":"\[\[EMAIL:tk1\.[^\]]+\]\]","n":1\}$/);
    expect(out[0]?.match(token)?.[0]).toBe(out[1]?.match(token)?.[0]);
    expect(out[2]).toBe(lines[2]);
  });
});

describe('decodedViews', () => {
  it('decodes again what decoding uncovered, each view mapped onto the original', () => {
    const text = 'to=a%252540b%2520c';
    const views = decodedViews(text);
    expect(views.map((v) => v.text)).toEqual(['to=a%2540b%20c', 'to=a%40b c', 'to=a@b c']);
    for (const v of views) {
      expect(v.at).toHaveLength(v.text.length + 1);
      expect(v.at[v.text.length]).toBe(text.length);
    }
    // '@' of the last view stands where '%252540' starts; 'b' after it where 'b' is.
    const last = views[2] as { text: string; at: number[] };
    expect(last.at[4]).toBe(4);
    expect(text.slice(last.at[5] as number)).toBe('b%2520c');
    expect(decodedViews('plain')).toEqual([]);
    expect(decodedViews('%252525252540')).toHaveLength(MAX_LEVELS);
  });
});

describe('detection through escapes', () => {
  it('also reads a + in percent-encoded text as a space, and keeps the plus-sign reading', () => {
    expect(spans('GET /sms?tel=%2B44+20+7946+0958&x=1')).toEqual([['phone-e164', '%2B44+20+7946+0958']]);
    expect(spans('pay?card=4111+1111+1111+1111&ref=a%20b')).toEqual([['card-visa', '4111+1111+1111+1111']]);
    // Read as a space, the + would cut the address short; the plus-sign reading keeps it whole.
    expect(spans('q=alice+tag%40example.com')).toEqual([['email', 'alice+tag%40example.com']]);
    const e = explainText(builtin, 'pay?card=4111+1111+1111+1111&ref=a%20b');
    expect(e.entries.find((x) => x.verdict === 'fired')).toMatchObject({ detectorId: 'card-visa', detail: 'with its escapes decoded, + read as a space' });
    // Without a percent-escape the text is not taken for percent-encoded: a + there is a plus
    // (`q=alice+tag@example.com`), but digit groups joined by + are still read as typed (numbers.ts).
    expect(spans('pay?card=4111+1111+1111+1111')).toEqual([['card-visa', '4111+1111+1111+1111']]);
    expect(explainText(builtin, 'pay?card=4111+1111+1111+1111').entries.find((x) => x.verdict === 'fired')).toMatchObject({ detectorId: 'card-visa', detail: 'with its + between digit groups read as spaces' });
    expect(decodedViews('a+b%2B1').map((v) => v.text)).toEqual(['a+b+1', 'a b+1']);
  });

  it('reads a + as a space in a form encoded once more, as a URL in a query string carries it', () => {
    expect(spans('next=%2Fpay%3Fcard%3D4111%2B1111%2B1111%2B1111%26ref%3Da%2520b')).toEqual([['card-visa', '4111%2B1111%2B1111%2B1111']]);
    expect(spans('GET /cb?next=%2Fsms%3Ftel%3D%252B44%2B20%2B7946%2B0958')).toEqual([['phone-e164', '%252B44%2B20%2B7946%2B0958']]);
    // The + that the last decoding made is a plus; the one written in the text before it is a space.
    expect(decodedViews('x=%252B1%2B2').map((v) => v.text)).toEqual(['x=%2B1+2', 'x=+1+2', 'x=+1 2']);
  });

  it('redacts a value encoded twice, as a URL in another URL\'s query string carries it', () => {
    const line = 'GET /oauth/authorize?redirect_uri=https%3A%2F%2Fapp.example%2Fcb%3Femail%3Dalice%2540example.com HTTP/1.1';
    expect(spans(line)).toEqual([['email', 'alice%2540example.com']]);
    const e = explainText(builtin, 'next=%2Fcb%3Fto%3Dbob%2540example.org');
    expect(e.entries.find((x) => x.verdict === 'fired')).toMatchObject({ detectorId: 'email', detail: 'with its escapes decoded 2 times' });
  });


  it('redacts a value spelled with percent-escapes or \\u escapes, escapes included', () => {
    expect(spans('GET /login?email=alice%40example.com&next=%2Fhome')).toEqual([['email', 'alice%40example.com']]);
    expect(spans('mail bob\\u0040example.org here')).toEqual([['email', 'bob\\u0040example.org']]);
    expect(spans('card=4111%201111%201111%201111&ok=1')).toEqual([['card-visa', '4111%201111%201111%201111']]);
    expect(spans('token%3Dghp_16C7e42F292c6912E7710c838347Ae178B4a')[0]?.[1]).toContain('ghp_16C7e42F292c6912E7710c838347Ae178B4a');
  });

  it('reads a keyword spelled with the escapes of a non-ASCII character', () => {
    expect(spans('GET /f?dob=n%C3%A9e%20le%2012%2F03%2F1980&x=1')).toEqual([['date-of-birth', '12%2F03%2F1980']]);
    expect(spans('born=n%C3%A9e le 12/03/1980')).toEqual([['date-of-birth', '12/03/1980']]);
  });

  it('finds a value written plainly once, whatever escapes stand around it', () => {
    expect(spans('a%20alice@example.com%20b')).toHaveLength(1);
    // Found in both readings, it is one candidate: explain names it once, not as overlapped by itself.
    const e = explainText(builtin, 'mail alice@example.com next=%2Fhome').entries.filter((x) => x.detectorId === 'email');
    expect(e.map((x) => x.verdict)).toEqual(['fired']);
  });

  it('reads a line break or tab written out as the character, where the letter would join the value after it', () => {
    expect(spans('card:\\n4111111111111111 next')).toEqual([['card-visa', '4111111111111111']]);
    expect(spans('line1\\nAKIAZ7VRSQ4TGHJKLM2B\\n')).toEqual([['aws-access-key-id', 'AKIAZ7VRSQ4TGHJKLM2B']]);
    expect(spans('client ip\\t10.20.30.40\\r\\n')).toEqual([['ipv4', '10.20.30.40']]);
    expect(spans('{"ssn":\\n301482276}')).toEqual([['us-ssn-bare', '301482276']]);
    // A view of its own: read as a tab, `\t` would cut short what the other escapes decoded spell.
    expect(spans('{conn=postgres:\\/\\/admin:hunt\\ter2@localhost\\/db}').map(([, v]) => v)).toEqual(['hunt\\ter2']);
    expect(decodedViews('a\\/b\\tc').map((v) => v.text)).toEqual(['a/b\\tc', 'a/b\tc']);
    // An escaped backslash before the letter is a backslash: `C:\\new` is a path.
    expect(decodedViews('C:\\\\new')).toEqual([]);
    expect(decodedViews('x\\\\\\ny').map((v) => v.text)).toEqual(['x\\\\\ny']);
    const e = explainText(builtin, 'card:\\n4111111111111111');
    expect(e.entries.find((x) => x.verdict === 'fired')).toMatchObject({ detectorId: 'card-visa', detail: 'with its escapes decoded, \\n \\r \\t read as characters' });
  });

  it('says in explain that the finding needed the escapes decoded', () => {
    const e = explainText(builtin, 'email=alice%40example.com');
    expect(e.redacted).toEqual([{ detectorId: 'email', start: 6, end: 25 }]);
    expect(e.entries.find((x) => x.verdict === 'fired')).toMatchObject({ detectorId: 'email', detail: 'with its escapes decoded' });
  });
});

describe('the token of a value found with its escapes decoded', () => {
  it('is the token of the value written plainly, and gives back the decoded value', async () => {
    const { keys } = await localKeys();
    const tokenKey = await keys.current();
    const lines = ['GET /login?email=alice%40example.com HTTP/1.1', '{"user":"alice@example.com"}', 'GET /cb?next=%2Fx%3Fto%3Dalice%2540example.com'];
    const r = processBatch(
      { seq: 0, file: 'mixed.log', firstLine: 1, firstOffset: 0, data: Buffer.from(lines.join('\n') + '\n') },
      { policy: builtin, actions: new ActionPolicy(), format: 'auto', limits: LIMITS, tokenKey, hashKey: await keys.hashKey(), quarantineKey: tokenKey },
    );
    const tokens = Buffer.from(r.output).toString('utf8').match(/\[\[EMAIL:(tk1\.[^\]]+)\]\]/g) ?? [];
    expect(tokens).toHaveLength(3);
    expect(new Set(tokens).size).toBe(1);
    const body = /\[\[EMAIL:(tk1\.[^\]]+)\]\]/.exec(tokens[0] as string)?.[1] as string;
    expect(decryptToken(tokenKey, 'EMAIL', body)).toBe('alice@example.com');
  });

  it('is not made of the decoded value for a key: two keys that decode alike stay two keys', async () => {
    const { keys } = await localKeys();
    const tokenKey = await keys.current();
    const r = processBatch(
      { seq: 0, file: 'keys.log', firstLine: 1, firstOffset: 0, data: Buffer.from('{"alice@example.com":1,"alice%40example.com":2}\n') },
      { policy: builtin, actions: new ActionPolicy(), format: 'auto', limits: LIMITS, tokenKey, hashKey: await keys.hashKey(), quarantineKey: tokenKey },
    );
    expect(r.quarantine).toEqual([]);
    expect(Object.keys(JSON.parse(Buffer.from(r.output).toString('utf8')) as object)).toHaveLength(2);
  });
});

describe('a raw line with escapes', () => {
  it('leaves the fast path, so a value its escapes hide is redacted', async () => {
    const { keys } = await localKeys();
    const tokenKey = await keys.current();
    const lines = ['GET /login?email=alice%40example.com HTTP/1.1', '{"url":"/a?to=carol%40example.net"}', 'CPU at 95% of 100%', 'form: n%C3%A9e le 12/03/1980'];
    const data = Buffer.from(lines.join('\n') + '\n');
    const r = processBatch(
      { seq: 0, file: 'access.log', firstLine: 1, firstOffset: 0, data },
      { policy: builtin, actions: new ActionPolicy(), format: 'auto', limits: LIMITS, tokenKey, hashKey: await keys.hashKey(), quarantineKey: tokenKey },
    );
    const out = Buffer.from(r.output).toString('utf8').split('\n');
    expect(out[0]).toMatch(/^GET \/login\?email=\[\[EMAIL:tk1\.[^\]]+\]\] HTTP\/1\.1$/);
    expect(out[1]).toMatch(/^\{"url":"\/a\?to=\[\[EMAIL:tk1\.[^\]]+\]\]"\}$/);
    expect(out[2]).toBe(lines[2]);
    expect(out[3]).toMatch(/^form: n%C3%A9e le \[\[DOB:tk1\.[^\]]+\]\]$/);
    expect(r.fastPathLines).toBe(1);
  });

  it('has each value read, where no detector matches it as written, when it may still hold something', async () => {
    // The e-mail in `user` sends each line down the structured path. The other value matches no
    // detector as written, but read decoded (a percent-escape, a character reference) or as a key
    // rule reads text (a quoted pair) it holds what must go.
    const { keys } = await localKeys();
    const tokenKey = await keys.current();
    const lines = [
      '{"user":"bob@example.com","note":"mail alice%40example.com"}',
      '{"user":"bob@example.com","note":"mail alice&#64;example.com"}',
      `{"user":"bob@example.com","msg":"retry with headers={'Cookie': 'sid=zq81kd02abc'}"}`,
      '{"user":"bob@example.com","msg":"retry at 12:03"}',
    ];
    const r = processBatch(
      { seq: 0, file: 'app.log', firstLine: 1, firstOffset: 0, data: Buffer.from(lines.join('\n') + '\n') },
      { policy: builtin, actions: new ActionPolicy(), format: 'auto', limits: LIMITS, tokenKey, hashKey: await keys.hashKey(), quarantineKey: tokenKey },
    );
    const out = Buffer.from(r.output).toString('utf8').split('\n');
    expect(out[0]).toMatch(/"note":"mail \[\[EMAIL:tk1\.[^\]]+\]\]"\}$/);
    expect(out[1]).toMatch(/"note":"mail \[\[EMAIL:tk1\.[^\]]+\]\]"\}$/);
    expect(out[2]).toMatch(/"msg":"retry with headers=\{'Cookie': '\[\[[A-Z_]+(?::[^\]]+)?\]\]'\}"\}$/);
    expect(out[3]).toMatch(/^\{"user":"\[\[EMAIL:tk1\.[^\]]+\]\]","msg":"retry at 12:03"\}$/);
    expect(r.fastPathLines).toBe(0);
  });

  it('leaves the fast path when a line break written out in a string hides a value', async () => {
    const { keys } = await localKeys();
    const tokenKey = await keys.current();
    const lines = ['{"m":"card:\\\\n4111111111111111"}', '{"m":"{\\"ssn\\":\\\\n301482276}"}', 'trace:\\n  ip\\t10.20.30.40', '{"m":"line\\\\nnext"}'];
    const r = processBatch(
      { seq: 0, file: 'app.log', firstLine: 1, firstOffset: 0, data: Buffer.from(lines.join('\n') + '\n') },
      { policy: builtin, actions: new ActionPolicy(), format: 'auto', limits: LIMITS, tokenKey, hashKey: await keys.hashKey(), quarantineKey: tokenKey },
    );
    const out = Buffer.from(r.output).toString('utf8').split('\n');
    expect(out[0]).toBe('{"m":"card:\\\\n************1111"}');
    expect(out[1]).toMatch(/^\{"m":"\{\\"ssn\\":\\\\n\[\[SSN:tk1\.[^\]]+\]\]\}"\}$/);
    expect(out[2]).toMatch(/^trace:\\n {2}ip\\t\[\[IP:tk1\.[^\]]+\]\]$/);
    expect(out[3]).toBe(lines[3]);
    expect(r.fastPathLines).toBe(1);
  });

  it('is parsed, so a repeated key cannot hide an escaped value', async () => {
    const { keys } = await localKeys();
    const tokenKey = await keys.current();
    const data = Buffer.from('{"a":"alice%40example.com","a":"x"}\n');
    const r = processBatch(
      { seq: 0, file: 'app.log', firstLine: 1, firstOffset: 0, data },
      { policy: builtin, actions: new ActionPolicy(), format: 'auto', limits: LIMITS, tokenKey, hashKey: await keys.hashKey(), quarantineKey: tokenKey },
    );
    expect(r.output.byteLength).toBe(0);
    expect(r.quarantine.map((q) => q.code)).toEqual(['DUPLICATE_KEY']);
  });
});

describe('key rules and escapes', () => {
  it('redact a key spelled with escapes, and never skip one because of them', () => {
    expect(builtin.keyRules.decide('pass%77ord')).toMatchObject({ mode: 'redact', pattern: 'password' });
    expect(builtin.keyRules.decide('pass%2577ord')).toMatchObject({ mode: 'redact', pattern: 'password' });
    expect(builtin.keyRules.decide('password')).toMatchObject({ mode: 'redact', pattern: 'password' });
    expect(builtin.keyRules.decide('message%20text').mode).toBe('scan');
    const skip = builtin.spec.packs.flatMap((p) => p.keyRules).find((r) => r.mode === 'skip' && !r.keys.some((k) => k.includes('*')));
    const key = skip?.keys[0] as string;
    expect(builtin.keyRules.decide(key).mode).toBe('skip');
    expect(builtin.keyRules.decide(`${key.slice(0, 1)}%${key.charCodeAt(1).toString(16)}${key.slice(2)}`).mode).toBe('scan');
  });
});

describe('controlEscapesDecoded', () => {
  it("writes a JSON line's line-break and tab escapes as the characters, as its parsed strings hold them", () => {
    const line = '{"m":"a\\nb\\tc\\r\\n","n":"x"}';
    const decoded = controlEscapesDecoded(Buffer.from(line));
    expect(decoded?.toString()).toBe('{"m":"a\nb\tc\r\n","n":"x"}');
    expect(JSON.parse(decoded?.toString().replace(/[\n\r\t]/g, ' ') ?? '')).toEqual({ m: 'a b c  ', n: 'x' });
    const plain = Buffer.from('{"m":"plain"}');
    expect(controlEscapesDecoded(plain)).toBe(plain);
  });

  it('writes quotes and slashes as the characters too: JSON logged inside a message reads as JSON', () => {
    const line = '{"m":"req {\\"email\\":\\"bob@example.com\\"}\\n","u":"a\\/b"}';
    expect(controlEscapesDecoded(Buffer.from(line))?.toString()).toBe('{"m":"req {"email":"bob@example.com"}\n","u":"a/b"}');
  });

  it('writes \\u escapes as the characters, in UTF-8: the ampersands of Go, the accents of an ASCII-only encoder', () => {
    const line = '{"m":"a\\u0040b.com?x=1\\u0026y=\\u003cz\\u003e","who":"Ren\\u00e9e \\u96fb\\u8a71","n":"\\u0041\\u000a"}';
    const decoded = controlEscapesDecoded(Buffer.from(line));
    expect(decoded?.toString()).toBe('{"m":"a@b.com?x=1&y=<z>","who":"Renée 電話","n":"A\n"}');
    expect(controlEscapesDecoded(Buffer.from('{"m":"ok \\ud83d\\ude00\\u0021"}'))?.toString()).toBe('{"m":"ok 😀!"}');
  });

  it('writes an escaped backslash as the backslash it leaves: Windows paths', () => {
    expect(controlEscapesDecoded(Buffer.from('{"path":"C:\\\\Users\\\\Alice\\\\AppData","re":"\\\\d+"}'))?.toString()).toBe('{"path":"C:\\Users\\Alice\\AppData","re":"\\d+"}');
    // Before a control escape's letter, the backslash and the letter; and, read once more, the control character.
    const line = Buffer.from('{"path":"C:\\\\temp\\\\new\\\\bin","n":"\\n"}');
    expect(controlEscapesDecoded(line)?.toString()).toBe('{"path":"C:\\temp\\new\\bin","n":"\n"}');
    expect(controlEscapesDecoded(line, true)?.toString()).toBe('{"path":"C:\temp\new\bin","n":"\n"}');
  });

  it('gives up on any other escape: a backslash before what could make it one, a surrogate alone, a backslash ending the line, an escape in a key or a name', () => {
    for (const line of ['{"m":"C:\\\\Users\\\\"}', "{\"m\":\"a\\\\'b\"}", '{"m":"a\\\\/b"}', '{"m":"a\\\\u0040b"}', '{"m":"x"}\\\\', '{"m":"say \\\\\\"hi\\"\\n"}', '{"m":"c:\\u005cnew"}', '{"m":"\\ud83d"}', '{"m":"\\ude00\\ud83d"}', '{"m":"\\ud83d\\u0041"}', '{"m":"\\u12"}', '{"m":"x\\by"}', 'tail\\', '{"a\\"b":"x"}', '{"name":"pass\\/word","value":"x"}', '{"p\\u0061ssword":"x"}']) {
      expect(controlEscapesDecoded(Buffer.from(line)), line).toBeUndefined();
    }
  });
});

describe('textEscapesDecoded', () => {
  it('decodes escaped quotes, slashes and \\u escapes only, as detection reads a line that does not parse', () => {
    const read = (line: string): string | undefined => textEscapesDecoded(Buffer.from(line))?.toString();
    expect(read('{mail=bob\\u0040example.org\\ttab \\u00e9}')).toBe('{mail=bob@example.org\\ttab é}');
    expect(read('\\ud83d\\ude00\\/ \\ud83d')).toBe('😀/ \\ud83d');
    expect(read('{conn=postgres:\\/\\/admin:hunt\\ter2@db \\"x\\"}')).toBe('{conn=postgres://admin:hunt\\ter2@db "x"}');
    // An escaped backslash stays, and what follows it is not an escape: `\\"` is a backslash, then a quote.
    expect(read('a\\\\"b')).toBeUndefined();
    expect(read('a\\\\\\"b')).toBe('a\\\\"b');
    expect(read('plain \\n tail\\')).toBeUndefined();
    expect(read('ends \\/')).toBe('ends /');
  });
});

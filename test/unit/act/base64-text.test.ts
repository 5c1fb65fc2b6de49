import { describe, expect, it } from 'vitest';
import { constants, deflateRawSync, deflateSync, gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import RE2 from 're2';
import { BASE64_TEXT_LINES, base64TextIn, encodedText, mayHoldBase64Text } from '../../../src/act/base64-text.js';
import { inflateBudget, MAX_INFLATED_BYTES } from '../../../src/act/compressed-text.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('base64TextIn', () => {
  it('finds base64 of a JSON object or array in a text, in either alphabet, with or without padding', () => {
    const object = b64('{"password":"hunter2"}');
    const text = `payload=${object} next ${Buffer.from('[{"a":"b?>"}]').toString('base64url')}`;
    const found = base64TextIn(text);
    expect(found.map((f) => f.text)).toEqual(['{"password":"hunter2"}', '[{"a":"b?>"}]']);
    expect(text.slice(found[0]?.start, found[0]?.end)).toBe(object);
    expect(found.map((f) => [f.url, f.unpadded])).toEqual([
      [false, false],
      [true, true],
    ]);
    // Unpadded where its length needs padding, with neither alphabet's own characters: base64url,
    // written back so (a URL's query has no room for + or /).
    const state = Buffer.from('{"u":"a","returnTo":"/home?tab=1&x=b"}').toString('base64url');
    const [inQuery] = base64TextIn(`GET /cb?code=x&state=${state} 302`);
    expect(inQuery?.url).toBe(true);
    if (inQuery) expect(encodedText('{"u":"a","returnTo":"/home?tab=1&x=b","t":"[[X:tk1.y]]"}', inQuery)).not.toMatch(/[+/=]/);
    // Its slashes escaped, as JSON in a text line writes them, and written back so.
    const slashed = b64('{"u":"\u00e9?","password":"Sm7xQ2mLw9"}').replaceAll('/', '\\/');
    expect(slashed).toContain('\\/');
    const [escaped] = base64TextIn(`{"data":"${slashed}"}`);
    expect(escaped?.text).toBe('{"u":"\u00e9?","password":"Sm7xQ2mLw9"}');
    if (escaped) expect(encodedText(escaped.text, escaped)).toBe(slashed);
    // A pretty-printed object, opening with a line break.
    expect(base64TextIn(b64('{\n  "k": 1\n}')).map((f) => f.text)).toEqual(['{\n  "k": 1\n}']);
  });

  it('finds base64 of a text: a script, an environment file, a token encoded once more', () => {
    const script = '#!/bin/bash\nexport AWS_SECRET_ACCESS_KEY=yydDY6TdozApFeorVl6J4wP56Zj3dQFSDNuJQLUj\n';
    const token = 'sk_live_UNJZLIJKjG6y0vGptLbG5KAR';
    const text = `user-data script=${b64(script)} value=${b64(token)} url=${Buffer.from('tab\there and then caf\u00e9 ol\u00e9').toString('base64url')}`;
    expect(base64TextIn(text).map((f) => f.text)).toEqual([script, token, 'tab\there and then caf\u00e9 ol\u00e9']);
    expect(mayHoldBase64Text(text)).toBe(true);
  });

  it('finds a run where it starts after a slash, after an escape written out, before a full stop, or with its slashes escaped', () => {
    const mail = 'bob@example.com please';
    const token = 'GET /?token=ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
    expect(b64(token)).toContain('/');
    const cases: Array<[string, string]> = [
      [`GET /unsubscribe/${Buffer.from(mail).toString('base64url')} HTTP/1.1`, mail],
      [`msg='line1\\n${b64(mail)}'`, mail],
      [`user-data ${b64(token)}.`, token],
      [`GET /reset/${b64('user=bob@example.com&exp=1700000000')}/confirm HTTP/1.1`, 'user=bob@example.com&exp=1700000000'],
      [`payload {"data":"${b64(token).replaceAll('/', '\\/')}"}`, token],
    ];
    for (const [text, spelled] of cases) {
      expect(mayHoldBase64Text(text), text).toBe(true);
      expect(base64TextIn(text).map((f) => f.text), text).toEqual([spelled]);
    }
    // A JWT's parts stay, a full stop between them or not.
    expect(base64TextIn(`${b64('{"alg":"none","x":1}')}.${b64('{"sub":"someone@example.com"}')}.`)).toEqual([]);
  });

  it("reads a URL's path segment alone: unpadded before the next segment, after a host's name, padded or not", () => {
    const key = 'aws key AKIAZ3MSJV4WJQ7ORMNP here';
    const mail = 'mail: alice.smith@example.org!';
    expect(b64(key)).not.toContain('=');
    const cases: Array<[string, string]> = [
      [`{"url":"/reset/${b64(key)}/confirm"}`, key],
      [`{"url":"/reset/${b64(mail).replace(/=+$/, '')}/confirm"}`, mail],
      [`{"url":"https://example.com/reset/${b64(mail)}/confirm"}`, mail],
      [`GET https://app.example.com/unsubscribe/${b64(mail)}?utm=1 HTTP/1.1`, mail],
    ];
    for (const [text, spelled] of cases) {
      expect(mayHoldBase64Text(text), text).toBe(true);
      const found = base64TextIn(text);
      expect(found.map((f) => f.text), text).toEqual([spelled]);
      // Written again as it was: the segment alone, its padding as it had it.
      const [f] = found;
      if (f) expect(encodedText(f.text, f)).toBe(text.slice(f.start, f.end));
    }
    // A JWT's part in a path, before a dot, stays; so does a path of words.
    expect(base64TextIn(`/verify/${b64('{"alg":"none","x":1}')}.${b64('{"sub":"someone@example.com"}')}/done`)).toEqual([]);
    expect(base64TextIn('https://example.com/org/apache/hadoop/ConnectionManagerFactory/x')).toEqual([]);
  });

  it('reads a body wrapped at a fixed width as one run, and writes it again so', () => {
    const env = `export GITHUB_TOKEN=ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8\nexport DB_PASSWORD=Sup3rS3cretPW\nexport REGION=eu-west-1\n`;
    const body = b64(env).replace(/(.{76})(?=.)/g, '$1\r\n');
    expect(body.split('\r\n').length).toBeGreaterThan(1);
    const [found, ...rest] = base64TextIn(`{"body":"${body}"}`);
    expect(rest).toEqual([]);
    expect(found?.text).toBe(env);
    expect(found?.wrap).toEqual({ width: 76, separator: '\r\n' });
    if (found) expect(encodedText(env, found)).toBe(body);
  });

  it('reads each line of a wrapped body that spells no text whole alone, once, and finds text after it', () => {
    const binary = Buffer.from(Array.from({ length: 57 * 40 }, (_, i) => (i * 151 + 7) % 256)).toString('base64').replace(/(.{76})(?=.)/g, '$1\n');
    const text = 'export DB_PASSWORD=Sup3rS3cretPW';
    const found = base64TextIn(`${binary}\n${b64(text)} done`);
    expect(found.map((f) => f.text)).toEqual([text]);
  });

  it('leaves a JWT, a longer base64 run, and base64 that spells no text', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl';
    expect(base64TextIn(`Authorization: Bearer ${jwt}`)).toEqual([]);
    expect(base64TextIn(`x${b64('{"password":"hunter2"}')}`)).toEqual([]);
    expect(base64TextIn(`eyJ${'A'.repeat(20)}`)).toEqual([]);
    expect(mayHoldBase64Text('frameworks')).toBe(false);
    // Text shorter than 12 bytes, text with a control character, text that starts in another
    // script (its first bytes past ASCII), random bytes, a hex digest, an identifier, a path.
    const digest = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    for (const value of [b64('short text'), b64('text\u0000with a NUL'), b64('\u00e9t\u00e9 \u00e0 Paris, oui'), 'q83vEjRWeJq8kX9y1Pz2mA+/Tw==', digest, 'ConnectionManagerFactoryImpl', 'org/apache/hadoop/hdfs/server/DataNode']) {
      expect(base64TextIn(`v=${value} end`), value).toEqual([]);
    }
  });

  it('is found by the line prefilter wherever the structured path reads one', () => {
    const line = new RE2(BASE64_TEXT_LINES.join('|'));
    const texts = ['export PASSWORD=x y z\n', '\t\r\n~ !"#$%&\'()*+,-./09:;<=>?@AZ[\\]^_`az{|}~', '{"k":"v","w":1}', 'ghp_qh8Mf3nwL6wfFVFHjISTfy4Nzo4tPsrN13R6'];
    for (const text of texts) {
      for (const written of [b64(text), Buffer.from(text).toString('base64url')]) {
        const value = `a=${written};`;
        expect(base64TextIn(value).map((f) => f.text), text).toEqual([text]);
        expect(line.test(value), written).toBe(true);
      }
    }
    // Every printable ASCII byte and line break in each of the three places of a group.
    const bytes = [0x09, 0x0a, 0x0d, ...Array.from({ length: 0x7f - 0x20 }, (_, i) => 0x20 + i)];
    for (const b of bytes) {
      for (let at = 0; at < 3; at++) {
        const text = Buffer.from('abcdefghijkl');
        text[at] = b;
        text[at + 3] = b;
        expect(line.test(` ${text.toString('base64')} `), `${b} at ${at}`).toBe(true);
      }
    }
  });
});

describe('compressed text in base64', () => {
  const payload = JSON.stringify({ messageType: 'DATA_MESSAGE', logEvents: [{ id: '1', message: 'login password=vvM5MvR4ClUvp*fXJ!' }] });
  const line = new RE2(BASE64_TEXT_LINES.join('|'));
  const texts = (value: string): string[] => base64TextIn(value).map((f) => f.text);

  it('reads gzip (a subscription payload a function logged) and zlib of every level inflated, and compresses the text again so', () => {
    for (const [compression, written, inflate] of [
      ['gzip', gzipSync(payload).toString('base64'), gunzipSync],
      ...[1, 4, 6, 9].map((level) => ['zlib', deflateSync(payload, { level }).toString('base64'), inflateSync] as const),
      ['zlib', deflateSync(payload, { level: 9 }).toString('base64url'), inflateSync],
    ] as const) {
      const value = `{"awslogs":{"data":"${written}"}}`;
      expect(mayHoldBase64Text(value)).toBe(true);
      expect(line.test(value), written).toBe(true);
      const [found, ...more] = base64TextIn(value);
      expect(more).toEqual([]);
      expect(found).toMatchObject({ start: value.indexOf(written), end: value.indexOf(written) + written.length, text: payload, compression });
      if (!found) continue;
      const again = encodedText(payload.replace('vvM5MvR4ClUvp*fXJ!', '[[PASSWORD]]'), found);
      const bytes = Buffer.from(again, found.url ? 'base64url' : 'base64');
      expect(inflate(bytes).toString()).toContain('password=[[PASSWORD]]"');
      expect(again.endsWith('=')).toBe(written.endsWith('='));
    }
  });

  it('reads a stream as far as it inflates: cut short anywhere, a bad trailer, bytes after its end, each gzip member', () => {
    const long = `pässwörd=vvM5MvR4ClUvp*fXJ! ${'x'.repeat(300)} €`;
    const whole = gzipSync(long);
    const written = whole.toString('base64');
    // Cut at every length past the first deflate block's start: each reads a start of the text.
    for (let cut = 24; cut < written.length; cut++) {
      const [found] = base64TextIn(`data=${written.slice(0, cut)} end`);
      expect(found, String(cut)).toBeDefined();
      expect(long.startsWith(found?.text ?? '-'), String(cut)).toBe(true);
    }
    // A bad trailer, whatever slashes its base64 holds; bytes after the stream; two members.
    for (let flip = 0; flip < 40; flip++) {
      const bad = gzipSync(`${flip} ${long}`);
      bad[bad.length - 1 - (flip % 8)] = (bad[bad.length - 1 - (flip % 8)] as number) ^ 0x5a;
      expect(texts(`data=${bad.toString('base64')} end`), String(flip)).toEqual([`${flip} ${long}`]);
    }
    // Bytes after the stream are read with it (zcat leaves them out, base64 -d shows them); zeros are padding.
    const trailing = Buffer.concat([whole, Buffer.from(' key AKIAQWERTYUIOPASDFGH')]);
    expect(texts(`data=${trailing.toString('base64')}`)).toEqual([`${long} key AKIAQWERTYUIOPASDFGH`]);
    expect(texts(`data=${Buffer.concat([deflateSync('zlib text'), Buffer.from(' and more')]).toString('base64')}`)).toEqual(['zlib text and more']);
    expect(texts(`data=${Buffer.concat([whole, Buffer.alloc(512)]).toString('base64')}`)).toEqual([long]);
    // Bytes that are no text are left as zcat leaves them (what a stream corrupted inside leaves after where it seems to end).
    expect(texts(`data=${Buffer.concat([whole, Buffer.from([0x80, 0x81, 0x41])]).toString('base64')}`)).toEqual([long]);
    expect(texts(`data=${Buffer.concat([gzipSync('first part, '), gzipSync('second part')]).toString('base64')}`)).toEqual(['first part, second part']);
  });

  it('reads what comes before bad data, past empty blocks and a long extra field, as zcat does', () => {
    const secret = 'token ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5';
    // Deflate data flushed, not finished: more was to follow.
    const flushed = (text: string): Buffer => deflateRawSync(text, { finishFlush: constants.Z_SYNC_FLUSH });
    const zlibHeader = Buffer.from([0x78, 0x9c]);
    const gzipHead = (flags = 0, extra = Buffer.alloc(0)): Buffer => Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, flags, 0, 0, 0, 0, 0, 3]), extra]);
    const bad = Buffer.from([0xff, 0xff, 0xff, 0xff]);
    const empty = Buffer.concat(Array.from({ length: 300 }, () => Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff])));
    const extra = Buffer.concat([Buffer.from([0xdc, 0x05]), Buffer.alloc(1500, 0x41)]);
    for (const [name, bytes] of [
      ['zlib, then bad data', Buffer.concat([zlibHeader, flushed(secret), bad])],
      ['gzip, then bad data', Buffer.concat([gzipHead(), flushed(secret), bad])],
      ['empty blocks first', Buffer.concat([zlibHeader, empty, flushed(secret)])],
      ['a 1500-byte extra field', Buffer.concat([gzipHead(0x04, extra), flushed(secret)])],
    ] as const) {
      expect(texts(`body=${bytes.toString('base64')} end`), name).toEqual([secret]);
    }
    // A second member whose data goes bad: what it held before is read too.
    const two = Buffer.concat([gzipSync('hello world '), gzipHead(), flushed(secret), bad]);
    expect(texts(`d=${two.toString('base64')}`)).toEqual([`hello world ${secret}`]);
  });

  it('writes a stream again in its own alphabet, whatever follows the slash after it', () => {
    let checked = 0;
    for (let i = 0; i < 20; i++) {
      const stream = gzipSync(`${i} Authorization: token ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5 ${'z'.repeat(i * 7)}`);
      const run = stream.toString('base64');
      if (!/[+/]/.test(run.replace(/=+$/, ''))) continue;
      checked += 1;
      const value = `u=https://h/x/${run}/do_ne-x`;
      const [found] = base64TextIn(value);
      expect(found?.url, run).toBe(false);
      expect(value.slice(found?.start, found?.end)).toBe(run);
    }
    expect(checked).toBeGreaterThan(10);
  });

  it('reads each of many streams in one run that a slash each ends', () => {
    const one = deflateSync('hello there, friend').toString('base64').replace(/=+$/, '');
    const found = base64TextIn(`/${Array.from({ length: 1000 }, () => one).join('/')}`);
    expect(found).toHaveLength(1000);
    expect(found.every((f, i) => f.text === 'hello there, friend' && f.start === 1 + i * (one.length + 1))).toBe(true);
  });

  it('ends a stream where its bytes do when a slash follows (a URL goes on), and reads what follows as a run of its own', () => {
    const text = 'Authorization: token ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5';
    for (const [stream, written] of [
      [gzipSync(text), 'base64'],
      [deflateSync(text), 'base64'],
      [gzipSync(`${text} -- ${'y'.repeat(40)}`), 'base64url'],
    ] as const) {
      const run = stream.toString(written).replace(/=+$/, '');
      const tail = Buffer.from('user=bob password=hunter2-Secret').toString('base64').replace(/=+$/, '');
      const value = `GET /blob/${run}/done/${tail} 200`;
      const found = base64TextIn(value);
      expect(found.map((f) => value.slice(f.start, f.end)), written).toEqual([run, tail]);
      expect(found[0]?.compression).toBe(stream[0] === 0x1f ? 'gzip' : 'zlib');
      const again = found[0] ? encodedText(found[0].text, found[0]) : '';
      expect(again.includes('=')).toBe(false);
    }
  });

  it('reads any UTF-8 a run inflates to, and leaves what does not inflate or inflates to other bytes', () => {
    for (const text of ['\u001b[31mERROR\u001b[0m token=ghp_qh8Mf3nwL6wfFVFHjISTfy4Nzo4tPsrN13R6', 'パスワード: hunter2-Secret!']) {
      expect(texts(`x ${gzipSync(text).toString('base64')}`)).toEqual([text]);
    }
    const random = Buffer.from(Array.from({ length: 200 }, (_, i) => (i * 7919 + 13) % 256));
    expect(base64TextIn(`data=${gzipSync(random).toString('base64')}`)).toEqual([]);
    expect(base64TextIn(`data=H4sI${'A'.repeat(40)}`)).toEqual([]);
  });

  it('refuses what inflates past a record\'s budget, over all its runs (a compression bomb, or many runs of a few megabytes)', () => {
    const bomb = gzipSync(Buffer.alloc(MAX_INFLATED_BYTES + 1, 0x61)).toString('base64');
    expect(() => base64TextIn(`data=${bomb}`)).toThrow(/inflates past/);
    const part = gzipSync(Buffer.alloc(MAX_INFLATED_BYTES / 3, 0x61)).toString('base64');
    const budget = inflateBudget();
    expect(base64TextIn(`a=${part} b=${part}`, budget)).toHaveLength(2);
    expect(() => base64TextIn(`c=${part} d=${part}`, budget)).toThrow(/inflates past/);
    // Runs that begin as gzip and hold none: each costs an attempt, and a record has so many.
    // A gzip header, then a deflate block of the type none is (binary 11).
    const header = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3, 0x07]);
    const runs = (n: number): string => Array.from({ length: n }, (_, i) => Buffer.concat([header, Buffer.from(String(i * 7919).repeat(4))]).toString('base64')).join(' ');
    expect(base64TextIn(runs(300))).toEqual([]);
    expect(() => base64TextIn(runs(11), { ...inflateBudget(), attempts: 10 })).toThrow(/more base64 runs to inflate than one record may hold \(8192\)/);
    // A long run of text segments, tried again from each of its slashes, is decoded within a bound too.
    const segments = `x=${Array.from({ length: 4000 }, () => Buffer.from('ABCDEFGHIJKL').toString('base64')).join('/')}A`;
    expect(() => base64TextIn(segments)).toThrow(/more base64 to decode than one record may hold/);
    // Names that begin as a zlib stream does, many to a record, are no streams and cost little.
    expect(base64TextIn(Array.from({ length: 500 }, (_, i) => `eNodeBFunction-Cell-${String(i).padStart(5, '0')}`).join(' '))).toEqual([]);
  });
});

describe('encodedText', () => {
  it('writes the JSON again in the alphabet and padding it was read in', () => {
    const json = '{"k":"[[PASSWORD:tk1.xy]]?>"}';
    for (const written of [Buffer.from(json).toString('base64'), Buffer.from(json).toString('base64url'), Buffer.from(json).toString('base64').replace(/=+$/, '')]) {
      const [found] = base64TextIn(written);
      expect(found).toBeDefined();
      if (found) expect(encodedText(json, found)).toBe(written);
    }
  });
});

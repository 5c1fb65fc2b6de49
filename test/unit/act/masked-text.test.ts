import { describe, expect, it } from 'vitest';
import { maskedText } from '../../../src/act/masked-text.js';
import { builtinPolicy } from '../../helpers/engine.js';

const policy = builtinPolicy();
const secret = 'Hunter2Secret!xyz';

describe('maskedText', () => {
  it('masks what the detectors find and what the key rules take in text, as a text body is redacted', () => {
    expect(maskedText(policy, `INC-78 password=${secret} leaked, mail bob@example.com`)).toBe('INC-78 password=[[PASSWORD]] leaked, mail [[EMAIL]]');
    for (const reason of [
      `INC-11 INSERT INTO users (first_name, password) VALUES ('Bob', '${secret}')`,
      `INC-21 params={"sql":"insert into t (password) values (?)","bindings":["${secret}"]}`,
      `INC-24 {"Name":"/prod/db","Type":"SecureString","Value":"${secret}"}`,
      `INC-3 x ${Buffer.from(`password=${secret}`).toString('base64')}`,
      `INC-8 tcpdump payload 0x${Buffer.from(`password=${secret}`).toString('hex')}`,
    ]) {
      const masked = maskedText(policy, reason);
      expect(masked, reason).not.toContain(secret);
      expect(masked, reason).toMatch(/^INC-\d+ /);
    }
  });

  it('leaves a text without findings as it is, and withholds one it cannot read through', () => {
    expect(maskedText(policy, 'INC-77 fraud review')).toBe('INC-77 fraud review');
    let nested = `password=${secret} in it`;
    for (let i = 0; i < 12; i++) nested = `note ${Buffer.from(nested).toString('base64')}`;
    expect(maskedText(policy, nested)).toBe('[[WITHHELD]]');
  });
});

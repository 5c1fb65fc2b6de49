import { describe, expect, it } from 'vitest';
import { lineEnds } from '../../../src/detect/line-filter.js';
import { bodyRun, pemBodies, pemOpenAfter } from '../../../src/pipeline/pem-blocks.js';

const BODY = ['MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBAKtq2EhRIDzEIUVl', '9eXUyfyby4xhnoIate8tBz4SFQUkgpuS1LVJZksFxoTYUxw2gqs1VM9c+314uQra', 's5PG+9x2CkFcozk='];

/** The body flags of `lines` as one batch, and whether a block is open after it. */
function scan(lines: readonly string[], open = false): { body: number[]; openAfter: boolean } | undefined {
  const data = Buffer.from(lines.join('\n') + '\n');
  const found = pemBodies(data, lineEnds(data), open);
  return found && { body: [...found.body], openAfter: found.openAfter };
}

describe('private keys over several lines', () => {
  it('marks the body lines of a block, its short last line included, and nothing around it', () => {
    expect(scan(['start', '-----BEGIN PRIVATE KEY-----', ...BODY, '-----END PRIVATE KEY-----', 'after 9eXUyfyby4xhnoIate8tBz4SFQUk'])).toEqual({ body: [0, 0, 1, 1, 1, 0, 0], openAfter: false });
  });

  it('follows a block across batches, and reads body lines after a log prefix', () => {
    const prefix = 'Dec  1 10:00:02 host app[12]: ';
    expect(scan(['-----BEGIN RSA PRIVATE KEY-----', prefix + BODY[0]])).toEqual({ body: [0, 1], openAfter: true });
    expect(scan([prefix + BODY[1], prefix + BODY[2], prefix + '-----END RSA PRIVATE KEY-----', 'next'], true)).toEqual({ body: [1, 1, 0, 0], openAfter: false });
  });

  it('keeps a block open over blank lines and PEM headers, and closes one cut short at the first other line', () => {
    expect(scan(['-----BEGIN ENCRYPTED PRIVATE KEY-----', 'Proc-Type: 4,ENCRYPTED', '', BODY[0] as string, 'GET /health 200', BODY[1] as string])).toEqual({ body: [0, 0, 0, 1, 0, 0], openAfter: false });
    // Right after a full line, a short run of whole groups of four is the last line; `OK` is not.
    expect(scan(['-----BEGIN PRIVATE KEY-----', BODY[0] as string, 'request served OK'])).toEqual({ body: [0, 1, 0], openAfter: false });
  });

  it('opens no block for a key whole on its line, a certificate, or a line without a key', () => {
    expect(scan(['{"key":"-----BEGIN PRIVATE KEY-----\\nMIIC\\n-----END PRIVATE KEY-----"}', BODY[0] as string])).toEqual({ body: [0, 0], openAfter: false });
    expect(scan(['-----BEGIN CERTIFICATE-----', BODY[0] as string])).toBeUndefined();
    expect(scan([BODY[0] as string])).toBeUndefined();
  });

  it('tells the batcher whether a block is open after whole lines, a last line without an end included', () => {
    expect(pemOpenAfter(Buffer.from(`x\n-----BEGIN PRIVATE KEY-----\n${BODY[0]}`), false)).toBe(true);
    expect(pemOpenAfter(Buffer.from(`${BODY[1]}\n-----END PRIVATE KEY-----\n`), true)).toBe(false);
    expect(pemOpenAfter(Buffer.from('plain\n'), false)).toBe(false);
  });

  it('finds the run a body line ends in, after a prefix', () => {
    const line = `app: ${BODY[2]}  `;
    expect(bodyRun(line)).toEqual({ start: 5, end: 5 + (BODY[2] as string).length });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutRecordCommand } from '@aws-sdk/client-firehose';
import { DecryptCommand, EncryptCommand, GetPublicKeyCommand } from '@aws-sdk/client-kms';
import { AwsTestServer } from '../../aws/server.js';

let server: AwsTestServer;
beforeAll(async () => {
  server = await AwsTestServer.start(['s1']);
  server.kms.createKey('SYMMETRIC_DEFAULT', 'alias/k');
});
afterAll(() => server.close());

async function raw(target: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(server.endpoint, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('local AWS test server', () => {
  it('answers PutRecord with a RecordId and stores the record', async () => {
    const out = await server.firehoseClient().send(new PutRecordCommand({ DeliveryStreamName: 's1', Record: { Data: Buffer.from('one\n') } }));
    expect(out.RecordId).toMatch(/^[A-Za-z0-9+/=]{56}$/);
    expect(server.firehose.lines('s1')).toEqual(['one']);
  });

  it('binds the encryption context in Encrypt and Decrypt, and reports the key ARN', async () => {
    const kms = server.kmsClient();
    const enc = await kms.send(new EncryptCommand({ KeyId: 'alias/k', Plaintext: Buffer.from('hi'), EncryptionContext: { a: '1', b: '2' } }));
    expect(enc.KeyId).toMatch(/^arn:aws:kms:us-east-1:111122223333:key\/[0-9a-f-]{36}$/);
    const dec = await kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { b: '2', a: '1' } }));
    expect(Buffer.from(dec.Plaintext as Uint8Array).toString()).toBe('hi');
    expect(dec.EncryptionAlgorithm).toBe('SYMMETRIC_DEFAULT');
    await expect(kms.send(new DecryptCommand({ CiphertextBlob: enc.CiphertextBlob, EncryptionContext: { a: '1' } }))).rejects.toMatchObject({ name: 'InvalidCiphertextException', $metadata: { httpStatusCode: 400 } });
    await expect(kms.send(new GetPublicKeyCommand({ KeyId: 'alias/k' }))).rejects.toMatchObject({ name: 'UnsupportedOperationException' });
  });

  it('shapes errors as AWS JSON 1.1 does, with the status of the service model', async () => {
    expect(await raw('TrentService.GenerateDataKey', { KeyId: 'alias/none', KeySpec: 'AES_256' })).toEqual({ status: 404, body: { __type: 'NotFoundException', message: "Key 'alias/none' does not exist" } });
    expect(await raw('Firehose_20150804.PutRecordBatch', { DeliveryStreamName: 'nope', Records: [{ Data: 'YQ==' }] })).toMatchObject({ status: 400, body: { __type: 'ResourceNotFoundException' } });
    server.fail({ target: 'PutRecordBatch', kind: 'throttle' });
    expect(await raw('Firehose_20150804.PutRecordBatch', { DeliveryStreamName: 's1', Records: [{ Data: 'YQ==' }] })).toEqual({ status: 503, body: { __type: 'ServiceUnavailableException', message: 'Slow down.' } });
    server.fail({ target: 'GenerateDataKey', kind: 'disabled' });
    expect((await raw('TrentService.GenerateDataKey', { KeyId: 'alias/k', KeySpec: 'AES_256' })).status).toBe(409);
  });

  it('enforces the PutRecordBatch limits and reports partial failures per record', async () => {
    const tooMany = await raw('Firehose_20150804.PutRecordBatch', { DeliveryStreamName: 's1', Records: Array.from({ length: 501 }, () => ({ Data: 'YQ==' })) });
    expect(tooMany).toMatchObject({ status: 400, body: { __type: 'InvalidArgumentException' } });
    const big = Buffer.alloc(1_000 * 1024 + 1).toString('base64');
    expect((await raw('Firehose_20150804.PutRecordBatch', { DeliveryStreamName: 's1', Records: [{ Data: big }] })).body.__type).toBe('InvalidArgumentException');
    server.fail({ target: 'PutRecordBatch', kind: 'partial', failIndexes: [1] });
    const partial = await raw('Firehose_20150804.PutRecordBatch', { DeliveryStreamName: 's1', Records: [{ Data: 'YQo=' }, { Data: 'Ygo=' }] });
    expect(partial.body).toMatchObject({ FailedPutCount: 1, Encrypted: false, RequestResponses: [{ RecordId: expect.any(String) }, { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' }] });
  });
});

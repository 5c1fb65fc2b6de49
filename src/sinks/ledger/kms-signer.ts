/**
 * Ledger checkpoints signed in AWS KMS: an asymmetric ECC_NIST_P256 key signs the SHA-256 digest of
 * each checkpoint (ES256, DER), and auditors verify with the exported public key; the private key
 * never leaves KMS.
 */
import { createHash } from 'node:crypto';
import type { KmsSigner } from '../../crypto/keys/kms.js';
import { keyIdOf, type LedgerSigner } from './signer.js';

export async function kmsLedgerSigner(kms: KmsSigner): Promise<LedgerSigner> {
  const pem = await kms.publicKeyPem();
  return {
    alg: 'ES256',
    keyId: keyIdOf(pem),
    publicKeyPem: async () => pem,
    sign: (data: Buffer) => kms.sign(createHash('sha256').update(data).digest()),
  };
}

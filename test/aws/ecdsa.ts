/**
 * ECDSA P-256 over a precomputed SHA-256 digest, as KMS Sign with `MessageType: DIGEST` does.
 * Node's `crypto.sign` always hashes its input, so the test server signs digests with this small
 * BigInt implementation; the signature verifies with `crypto.verify('sha256', message, …)`.
 * Test-only: not constant time.
 */
import { randomBytes, type KeyObject } from 'node:crypto';

const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const A = P - 3n;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const G: Point = {
  x: 0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  y: 0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
};

interface Point {
  x: bigint;
  y: bigint;
}

const mod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;

function inverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return mod(oldS, m);
}

function add(p: Point | null, q: Point | null): Point | null {
  if (!p) return q;
  if (!q) return p;
  if (p.x === q.x && mod(p.y + q.y, P) === 0n) return null;
  const l = p.x === q.x && p.y === q.y ? mod((3n * p.x * p.x + A) * inverse(2n * p.y, P), P) : mod((q.y - p.y) * inverse(q.x - p.x, P), P);
  const x = mod(l * l - p.x - q.x, P);
  return { x, y: mod(l * (p.x - x) - p.y, P) };
}

function multiply(k: bigint, p: Point): Point | null {
  let result: Point | null = null;
  let addend: Point | null = p;
  for (let e = k; e > 0n; e >>= 1n) {
    if (e & 1n) result = add(result, addend);
    addend = add(addend, addend);
  }
  return result;
}

const toBig = (b: Uint8Array): bigint => BigInt(`0x${Buffer.from(b).toString('hex') || '0'}`);

function derInteger(v: bigint): Buffer {
  let hex = v.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if ((bytes[0] as number) & 0x80) bytes = Buffer.concat([Buffer.of(0), bytes]);
  return Buffer.concat([Buffer.of(0x02, bytes.length), bytes]);
}

/** DER `SEQUENCE { r INTEGER, s INTEGER }` ECDSA signature of a 32-byte digest. */
export function signDigest(privateKey: KeyObject, digest: Uint8Array): Buffer {
  const jwk = privateKey.export({ format: 'jwk' });
  const d = toBig(Buffer.from(jwk.d as string, 'base64url'));
  const z = toBig(digest);
  for (;;) {
    const k = mod(toBig(randomBytes(40)), N - 1n) + 1n;
    const r = mod((multiply(k, G) as Point).x, N);
    if (r === 0n) continue;
    const s = mod(inverse(k, N) * (z + r * d), N);
    if (s === 0n) continue;
    const body = Buffer.concat([derInteger(r), derInteger(s)]);
    return Buffer.concat([Buffer.of(0x30, body.length), body]);
  }
}

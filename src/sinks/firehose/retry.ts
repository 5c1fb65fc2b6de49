/**
 * Classifying AWS SDK failures and spacing retries: shared by the Firehose sink and the KMS key
 * provider. Codes only, never the service's message (which may echo request content).
 */

/** Service and network codes worth another try: throttling, service-side faults, timeouts. */
const RETRYABLE = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ServiceUnavailableException',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalServerError',
  'KMSInternalException',
  'DependencyTimeoutException',
  'KeyUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
]);

/** Codes that another try cannot fix (permissions, missing or disabled resources, bad input). */
const PERMANENT = new Set([
  'AccessDeniedException',
  'DisabledException',
  'NotFoundException',
  'ResourceNotFoundException',
  'KMSInvalidStateException',
  'InvalidKeyUsageException',
  'InvalidCiphertextException',
  'IncorrectKeyException',
  'InvalidArgumentException',
  'InvalidKMSResourceException',
  'InvalidSourceException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'ValidationException',
]);

/** The service or network error code of a failed call (`ThrottlingException`, `ECONNRESET`…). */
export function awsErrorCode(err: unknown): string {
  const e = err as { name?: unknown; code?: unknown; Code?: unknown } | null;
  for (const c of [e?.name, e?.code, e?.Code]) if (typeof c === 'string' && c !== 'Error' && c.length > 0) return c;
  return 'UnknownError';
}

/** The HTTP status of a failed SDK call, when there was a response. */
export function awsHttpStatus(err: unknown): number | undefined {
  const s = (err as { $metadata?: { httpStatusCode?: unknown } } | null)?.$metadata?.httpStatusCode;
  return typeof s === 'number' ? s : undefined;
}

/** True for throttling, service-side faults (5xx, 429) and network failures. */
export function isRetryableAwsError(err: unknown): boolean {
  const code = awsErrorCode(err);
  if (RETRYABLE.has(code)) return true;
  if (PERMANENT.has(code)) return false;
  const status = awsHttpStatus(err);
  if (status !== undefined) return status >= 500 || status === 429;
  if ((err as { $retryable?: unknown } | null)?.$retryable !== undefined) return true;
  // No response at all: a socket-level failure (ECONNRESET, EHOSTUNREACH…) or a timeout.
  return /^E[A-Z]+$/.test(code) || /Timeout|Abort|Network/i.test(code);
}

/** Full-jitter exponential backoff: a random wait in [0, min(max, base * 2^(attempt-1))). */
export function backoffMs(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempt - 1)));
}

/** `setTimeout` as a promise. */
export const sleepMs = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Bounds of a retry loop. */
export interface RetryPolicy {
  /** Calls in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Five calls in all, waits drawn up to 100 ms, 200 ms, 400 ms, 800 ms (capped at 5 s). */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 5_000 };

/**
 * An AWS JSON 1.1 error as the test server answers it: `{"__type": "...Exception", "message": ...}`
 * with the HTTP status the service model gives that error.
 */
export class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** A JSON 1.1 reply: status and body. */
export interface Reply {
  status: number;
  body: unknown;
}

/** The blob fields of AWS JSON are base64 strings; a malformed one is a SerializationException. */
export function blob(value: unknown, field: string): Buffer {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) throw new AwsError('SerializationException', `${field} must be a base64 string`);
  return Buffer.from(value, 'base64');
}

import { createHash } from 'node:crypto';
import type { MessageAttributes } from './types';

/** The digests SQS returns with every message, which the SDKs recompute and compare. */

export function md5OfBody(body: string): string {
  return createHash('md5').update(body, 'utf8').digest('hex');
}

/** Big-endian 4-byte length followed by the bytes: how SQS frames each part of an attribute. */
function framed(bytes: Buffer): Buffer[] {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return [length, bytes];
}

/**
 * MD5OfMessageAttributes as Amazon computes it: attributes sorted by name (byte order), each as its framed
 * name, framed data type, one transport byte (1: string value, 2: binary value) and the framed value. Null
 * when there are none (SQS then omits the field).
 */
export function md5OfAttributes(attributes: MessageAttributes | null): string | null {
  const names = Object.keys(attributes ?? {}).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  if (!attributes || names.length === 0) return null;
  const hash = createHash('md5');
  for (const name of names) {
    const value = attributes[name]!;
    for (const part of framed(Buffer.from(name, 'utf8'))) hash.update(part);
    for (const part of framed(Buffer.from(value.dataType, 'utf8'))) hash.update(part);
    const binary = value.binaryValue !== undefined;
    hash.update(Buffer.from([binary ? 2 : 1]));
    const bytes = binary
      ? Buffer.from(value.binaryValue!, 'base64')
      : Buffer.from(value.stringValue ?? '', 'utf8');
    for (const part of framed(bytes)) hash.update(part);
  }
  return hash.digest('hex');
}

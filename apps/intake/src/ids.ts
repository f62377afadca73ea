import { createHash } from 'node:crypto';
import { canonicalJson } from '@tally/events';

// Fixed namespaces: changing them would move retried opens to other accounts.
const ACCOUNT_NAMESPACE = '3f8a6c2e-5b1d-4e7a-9c0f-2d4b6a8e1c35';
const COMMAND_NAMESPACE = '7c1e9b4a-2f6d-4a8c-b3e5-9d0a1f2c4e67';

/** RFC 9562 UUID version 5 (SHA-1, name-based): the same name always gives the same id. */
export function uuidV5(name: string, namespace: string): string {
  const ns = Buffer.from(namespace.replaceAll('-', ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The account a POST /accounts without an accountId opens: derived from its Idempotency-Key. */
export function accountIdForKey(idempotencyKey: string): string {
  return uuidV5(idempotencyKey, ACCOUNT_NAMESPACE);
}

/** One command id per (account, Idempotency-Key): retries of a command share it. */
export function commandIdFor(accountId: string, idempotencyKey: string): string {
  return uuidV5(`${accountId}\n${idempotencyKey}`, COMMAND_NAMESPACE);
}

/**
 * Fingerprint of what was asked, to refuse an Idempotency-Key reused for another request. The
 * command is validated before (integers only), so its canonical JSON always exists.
 */
export function requestHash(parts: unknown): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('base64url');
}

import { createHash } from 'node:crypto';
import { canonicalJson } from '@tally/events';

// Fixed namespaces: changing them would move retried opens to other accounts.
const ACCOUNT_NAMESPACE = '3f8a6c2e-5b1d-4e7a-9c0f-2d4b6a8e1c35';
const COMMAND_NAMESPACE = '7c1e9b4a-2f6d-4a8c-b3e5-9d0a1f2c4e67';
// Process commands and their events (ADR 0007): every owner that issues a step derives the same ids.
const PROCESS_COMMAND_NAMESPACE = 'b6f0d2a8-4c3e-4f19-8a7d-1e5c9b2f6a04';
const EVENT_NAMESPACE = 'e2a94c7b-9d15-4b6e-a3f8-0c7d5e1b8f26';

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

/** The command id of a process step (follow-up or expiry), from its `processCommandName`. */
export function processCommandId(name: string): string {
  return uuidV5(name, PROCESS_COMMAND_NAMESPACE);
}

/** Event ids of a process step, derived from its command id: the same on every re-decision. */
export function derivedEventIds(commandId: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    uuidV5(`${commandId}/event/${i}`, EVENT_NAMESPACE),
  );
}

/**
 * Fingerprint of what was asked, to refuse an Idempotency-Key reused for another request. The
 * command is validated before (integers only), so its canonical JSON always exists.
 */
export function requestHash(parts: unknown): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('base64url');
}

import type { AuditStore, StoredEntry, StreamCursor } from './types.js';

/**
 * Whole-log reads as streams of groups, in key order (UTF-8 bytes): one account's (or one
 * transfer's) entries at a time, read page by page, so memory holds one page and one group
 * however long the log is.
 */

export interface EntryGroup {
  readonly key: string;
  readonly entries: readonly StoredEntry[];
}

async function* grouped<T>(
  page: (after: StreamCursor | null) => Promise<T[]>,
  keyOf: (item: T) => string,
  entryOf: (item: T) => StoredEntry,
  pageSize: number,
): AsyncGenerator<EntryGroup> {
  let after: StreamCursor | null = null;
  let key: string | undefined;
  let entries: StoredEntry[] = [];
  for (;;) {
    const items = await page(after);
    for (const item of items) {
      const itemKey = keyOf(item);
      if (key !== undefined && itemKey !== key) {
        yield { key, entries };
        entries = [];
      }
      key = itemKey;
      entries.push(entryOf(item));
    }
    const last = items.at(-1);
    if (items.length < pageSize || last === undefined) break;
    after = { key: keyOf(last), id: entryOf(last).id };
  }
  if (key !== undefined) yield { key, entries };
}

/** Every account's event entries, accounts in byte order, each account's entries by row id. */
export function eventsByAccount(store: AuditStore, pageSize = 5_000): AsyncGenerator<EntryGroup> {
  return grouped(
    (after) => store.eventsByAccount(after, pageSize),
    (entry) => entry.accountId ?? '',
    (entry) => entry,
    pageSize,
  );
}

/** Every transfer's event entries, transfers in byte order of their id. */
export function eventsByTransfer(store: AuditStore, pageSize = 5_000): AsyncGenerator<EntryGroup> {
  return grouped(
    (after) => store.transferEvents(after, pageSize),
    (item) => item.transferId,
    (item) => item.entry,
    pageSize,
  );
}

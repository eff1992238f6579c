import { Database } from "bun:sqlite"
import { closeSync, openSync, readSync } from "node:fs"

/**
 * Which database pages each table and index occupies, with a hash of each page's bytes: comparing two
 * snapshots shows exactly which tables and indexes a sync wrote to, whatever the store's schema.
 */
export type PageSnapshot = ReadonlyMap<number, { readonly name: string; readonly hash: bigint }>

/** Checkpoints the WAL into the database file and snapshots every page of every table and index. */
export const snapshotPages = (file: string): PageSnapshot => {
  const db = new Database(file)
  let owners: Array<{ name: string; pageno: number }>
  let pageSize: number
  try {
    db.run("PRAGMA busy_timeout = 10000")
    db.query("PRAGMA wal_checkpoint(TRUNCATE)").get()
    pageSize = (db.query("PRAGMA page_size").get() as { page_size: number }).page_size
    owners = db.query("SELECT name, pageno FROM dbstat").all() as Array<{ name: string; pageno: number }>
  } finally {
    db.close()
  }
  const snapshot = new Map<number, { name: string; hash: bigint }>()
  const fd = openSync(file, "r")
  const page = new Uint8Array(pageSize)
  try {
    for (const { name, pageno } of owners) {
      readSync(fd, page, 0, pageSize, (pageno - 1) * pageSize)
      snapshot.set(pageno, { name, hash: BigInt(Bun.hash(page)) })
    }
  } finally {
    closeSync(fd)
  }
  return snapshot
}

/** How many pages the tables and indexes whose names match `names` occupy in a snapshot. */
export const pagesOf = (snapshot: PageSnapshot, names: RegExp): number => {
  let pages = 0
  for (const page of snapshot.values()) if (names.test(page.name)) pages++
  return pages
}

/** How many pages of each table or index changed (written, added or moved) between two snapshots. */
export const changedPages = (before: PageSnapshot, after: PageSnapshot): ReadonlyMap<string, number> => {
  const changed = new Map<string, number>()
  const bump = (name: string) => changed.set(name, (changed.get(name) ?? 0) + 1)
  for (const [pageno, page] of after) {
    const old = before.get(pageno)
    if (old === undefined || old.name !== page.name || old.hash !== page.hash) bump(page.name)
  }
  for (const [pageno, page] of before) if (!after.has(pageno)) bump(page.name)
  return changed
}

import { Database } from "bun:sqlite"

/** A package as the generated rpm database holds it. */
export interface RpmPackage {
  readonly name: string
  readonly version: string
  readonly release: string
  readonly epoch?: number
  /** Absent for `gpg-pubkey` pseudo-packages. */
  readonly arch?: string
}

type Entry = { readonly tag: number; readonly type: number; readonly data: Uint8Array; readonly count: number }

const text = (value: string) => new TextEncoder().encode(`${value}\0`)
const int32 = (value: number) => {
  const bytes = new Uint8Array(4)
  new DataView(bytes.buffer).setUint32(0, value)
  return bytes
}

/**
 * An rpm header blob as rpm stores it in its database (no intro): index entries, then the data, with
 * a region tag and an i18n summary beside the fields the connector reads, as in real headers.
 * `withIntro` prefixes the intro of a package file's header (magic `8e ad e8 01`).
 */
export const encodeRpmHeader = (pkg: RpmPackage, withIntro = false): Uint8Array => {
  const entries: Array<Entry> = [
    { tag: 63, type: 7, data: new Uint8Array(16), count: 16 },
    { tag: 1000, type: 6, data: text(pkg.name), count: 1 },
    { tag: 1001, type: 6, data: text(pkg.version), count: 1 },
    { tag: 1002, type: 6, data: text(pkg.release), count: 1 },
    ...(pkg.epoch === undefined ? [] : [{ tag: 1003, type: 4, data: int32(pkg.epoch), count: 1 }]),
    { tag: 1004, type: 9, data: text(`${pkg.name}, a test package`), count: 1 },
    ...(pkg.arch === undefined ? [] : [{ tag: 1022, type: 6, data: text(pkg.arch), count: 1 }]),
    { tag: 1044, type: 6, data: text(`${pkg.name}-${pkg.version}-${pkg.release}.src.rpm`), count: 1 }
  ]
  const offsets: Array<number> = []
  let size = 0
  for (const entry of entries) {
    if (entry.type === 4) size = Math.ceil(size / 4) * 4
    offsets.push(size)
    size += entry.data.length
  }
  const intro = withIntro ? 8 : 0
  const blob = new Uint8Array(intro + 8 + entries.length * 16 + size)
  const view = new DataView(blob.buffer)
  if (withIntro) blob.set([0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0])
  view.setUint32(intro, entries.length)
  view.setUint32(intro + 4, size)
  const store = intro + 8 + entries.length * 16
  entries.forEach((entry, index) => {
    const at = intro + 8 + index * 16
    view.setInt32(at, entry.tag)
    view.setUint32(at + 4, entry.type)
    view.setInt32(at + 8, offsets[index] as number)
    view.setUint32(at + 12, entry.count)
    blob.set(entry.data, store + (offsets[index] as number))
  })
  return blob
}

/**
 * An `rpmdb.sqlite` file holding `packages`: rpm's schema (`Packages(hnum, blob)` and a `Name` index),
 * marked as WAL mode in its header as rpm leaves it.
 */
export const rpmdbSqlite = (packages: ReadonlyArray<RpmPackage>): Uint8Array => {
  const db = new Database(":memory:")
  try {
    db.run("CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)")
    db.run("CREATE TABLE Name (key TEXT NOT NULL, hnum INTEGER NOT NULL, idx INTEGER NOT NULL)")
    const put = db.prepare("INSERT INTO Packages (blob) VALUES (?)")
    const name = db.prepare("INSERT INTO Name VALUES (?, ?, 0)")
    for (const pkg of packages) {
      const { lastInsertRowid } = put.run(encodeRpmHeader(pkg))
      name.run(pkg.name, Number(lastInsertRowid))
    }
    const bytes = new Uint8Array(db.serialize())
    bytes[18] = 2
    bytes[19] = 2
    return bytes
  } finally {
    db.close()
  }
}

import type { RpmHeader } from "./RpmHeader.ts"

/**
 * Pure parsers for the text files the host connector reads. Each takes the file's text and returns plain
 * records; lines it cannot make sense of are skipped rather than guessed at.
 */

const lines = (text: string): ReadonlyArray<string> => text.split("\n").filter((line) => line.trim().length > 0)

/** `/etc/os-release`: `KEY=value` lines, values optionally quoted (shell-style escapes undone). */
export const parseOsRelease = (text: string): Readonly<Record<string, string>> => {
  const fields: Record<string, string> = {}
  for (const line of lines(text)) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim())
    if (!match) continue
    const [, key = "", raw = ""] = match
    const quoted = /^(["'])(.*)\1$/.exec(raw)
    fields[key] = quoted ? (quoted[2] ?? "").replace(/\\(["'$`\\])/g, "$1") : raw
  }
  return fields
}

/** One account of `/etc/passwd`. */
export interface PasswdEntry {
  readonly name: string
  readonly uid: number
  readonly gid: number
  readonly gecos: string
  readonly home: string
  readonly shell: string
}

const isId = (text: string | undefined): boolean => text !== undefined && /^\d+$/.test(text)

/** `/etc/passwd`: `name:password:uid:gid:gecos:home:shell`; NIS `+`/`-` lines and comments are skipped. */
export const parsePasswd = (text: string): ReadonlyArray<PasswdEntry> =>
  lines(text).flatMap((line) => {
    const [name = "", , uid, gid, gecos = "", home = "", shell = ""] = line.split(":")
    if (name === "" || /^[#+-]/.test(name) || !isId(uid) || !isId(gid)) return []
    return [{ name, uid: Number(uid), gid: Number(gid), gecos, home, shell }]
  })

/** One group of `/etc/group`. */
export interface GroupEntry {
  readonly name: string
  readonly gid: number
  readonly members: ReadonlyArray<string>
}

/** `/etc/group`: `name:password:gid:member,member`. */
export const parseGroup = (text: string): ReadonlyArray<GroupEntry> =>
  lines(text).flatMap((line) => {
    const [name = "", , gid, members = ""] = line.split(":")
    if (name === "" || /^[#+-]/.test(name) || !isId(gid)) return []
    const list = members
      .split(",")
      .map((member) => member.trim())
      .filter((member) => member.length > 0)
    return [{ name, gid: Number(gid), members: [...new Set(list)].sort() }]
  })

/** An installed package. */
export interface PackageEntry {
  readonly manager: "dpkg" | "apk" | "rpm"
  readonly name: string
  readonly version: string
  readonly architecture: string
  readonly source: string | null
}

/** Splits a Debian control-style file into paragraphs of fields; continuation lines are dropped. */
const paragraphs = (text: string, separator: RegExp): ReadonlyArray<Readonly<Record<string, string>>> =>
  text.split(/\n\s*\n/).map((block) => {
    const fields: Record<string, string> = {}
    for (const line of block.split("\n")) {
      if (line.startsWith(" ") || line.startsWith("\t")) continue
      const match = separator.exec(line)
      if (match) fields[match[1] ?? ""] = (match[2] ?? "").trim()
    }
    return fields
  })

/** `/var/lib/dpkg/status`: the packages whose status (the third word of `Status`) is `installed`, held or not. */
export const parseDpkgStatus = (text: string): ReadonlyArray<PackageEntry> =>
  paragraphs(text, /^([A-Za-z0-9-]+):(.*)$/).flatMap((fields) => {
    const name = fields.Package
    const version = fields.Version
    if (!name || !version || (fields.Status ?? "").split(/\s+/)[2] !== "installed") return []
    const source = fields.Source ? (fields.Source.split(" ")[0] ?? null) : null
    return [{ manager: "dpkg" as const, name, version, architecture: fields.Architecture ?? "", source }]
  })

/** `/lib/apk/db/installed`: single-letter fields, `P` name, `V` version, `A` architecture, `o` origin. */
export const parseApkInstalled = (text: string): ReadonlyArray<PackageEntry> =>
  paragraphs(text, /^([A-Za-z]):(.*)$/).flatMap((fields) => {
    const name = fields.P
    const version = fields.V
    if (!name || !version) return []
    return [{ manager: "apk" as const, name, version, architecture: fields.A ?? "", source: fields.o ?? null }]
  })

/** An rpm package: its version as rpm prints it, `[epoch:]version-release`; `source` is the source rpm. */
export const rpmPackage = (header: RpmHeader): PackageEntry => ({
  manager: "rpm",
  name: header.name,
  version: `${header.epoch === null ? "" : `${header.epoch}:`}${header.version}-${header.release}`,
  architecture: header.arch ?? "",
  source: header.sourceRpm
})

/** `/proc/meminfo`'s `MemTotal`, in bytes. */
export const parseMemTotal = (text: string): number | null => {
  const match = /^MemTotal:\s+(\d+)\s*kB/m.exec(text)
  return match ? Number(match[1]) * 1024 : null
}

/** The number of `processor` entries in `/proc/cpuinfo`. */
export const parseCpuCount = (text: string): number | null => {
  const count = lines(text).filter((line) => /^processor\s*:/.test(line)).length
  return count > 0 ? count : null
}

/** A CPU list such as `/sys/devices/system/cpu/possible` (`0-3,6`): how many CPUs it names. */
export const parseCpuList = (text: string): number | null => {
  let count = 0
  for (const part of text.trim().split(",")) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part)
    if (!match) return null
    count += match[2] === undefined ? 1 : Number(match[2]) - Number(match[1]) + 1
  }
  return count > 0 ? count : null
}

const ELF_MACHINES: Readonly<Record<number, string>> = {
  3: "i686",
  8: "mips",
  20: "ppc",
  21: "ppc64",
  22: "s390x",
  40: "arm",
  62: "x86_64",
  183: "aarch64",
  243: "riscv64"
}

/** The architecture of an ELF binary (`e_machine`), as `uname -m` names it. */
export const elfArchitecture = (bytes: Uint8Array): string | null => {
  if (bytes.length < 20 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) return null
  const littleEndian = bytes[5] === 1
  const machine = littleEndian ? (bytes[18] ?? 0) | ((bytes[19] ?? 0) << 8) : ((bytes[18] ?? 0) << 8) | (bytes[19] ?? 0)
  return ELF_MACHINES[machine] ?? null
}

import { Database } from "bun:sqlite"
import { describe, expect, test } from "bun:test"
import {
  elfArchitecture,
  parseApkInstalled,
  parseCpuList,
  parseDpkgStatus,
  parseGroup,
  parseOsRelease,
  parsePasswd
} from "../../../connectors/host/Parse.ts"
import { parseSockets } from "../../../connectors/host/ProcNet.ts"
import { RpmDbUnreadable, readRpmDb } from "../../../connectors/host/RpmDb.ts"
import { MalformedHeader, parseRpmHeader } from "../../../connectors/host/RpmHeader.ts"
import { encodeRpmHeader, rpmdbSqlite } from "../../../connectors/host/testing/RpmFixture.ts"

describe("host parsers", () => {
  test("os-release: quoted, single-quoted, escaped and bare values; comments skipped", () => {
    expect(parseOsRelease('# c\nNAME="Fedora Linux"\nID=fedora\nVERSION_ID=40\nX=\'a b\'\nY="say \\"hi\\""\n')).toEqual(
      {
        NAME: "Fedora Linux",
        ID: "fedora",
        VERSION_ID: "40",
        X: "a b",
        Y: 'say "hi"'
      }
    )
  })

  test("passwd and group: malformed and NIS lines are skipped, members deduplicated and sorted", () => {
    expect(parsePasswd("root:x:0:0:root:/root:/bin/bash\n+::::::\nbad:x:zero:0::/:\n").map((u) => u.name)).toEqual([
      "root"
    ])
    expect(parseGroup("docker:x:999:bob,alice,bob\n#x:x:1:\n")).toEqual([
      { name: "docker", gid: 999, members: ["alice", "bob"] }
    ])
  })

  test("dpkg status: only installed packages (held ones too); continuation lines ignored; source without version", () => {
    const status = [
      "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc (2.36-9)\nVersion: 2.36-9\nDescription: GNU C Library\n Contains the standard libraries.\n Package: fake",
      "Package: removed\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1.0",
      "Package: held\nStatus: hold ok installed\nArchitecture: all\nVersion: 2"
    ].join("\n\n")
    expect(parseDpkgStatus(status)).toEqual([
      { manager: "dpkg", name: "libc6", version: "2.36-9", architecture: "amd64", source: "glibc" },
      { manager: "dpkg", name: "held", version: "2", architecture: "all", source: null }
    ])
  })

  test("apk installed database", () => {
    expect(
      parseApkInstalled("C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\no:musl\n\nP:busybox\nV:1.36.1-r15\nA:x86_64\n")
    ).toEqual([
      { manager: "apk", name: "musl", version: "1.2.4-r2", architecture: "x86_64", source: "musl" },
      { manager: "apk", name: "busybox", version: "1.36.1-r15", architecture: "x86_64", source: null }
    ])
  })

  test("socket tables: listeners only, IPv6 compressed, IPv4-mapped shown as such", () => {
    const tcp6 = [
      "  sl  local_address                         remote_address                        st",
      "   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A",
      "   1: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A",
      "   2: 000080FE00000000FF005452563412FE:0050 00000000000000000000000000000000:0000 0A",
      "   3: 00000000000000000000000001000000:0277 00000000000000000000000001000000:D431 01"
    ].join("\n")
    expect(parseSockets(tcp6, "tcp", "ipv6", [32768, 60999]).map((s) => `${s.address} ${s.port}`)).toEqual([
      ":: 22",
      "::ffff:127.0.0.1 8080",
      "fe80::5254:ff:fe12:3456 80"
    ])
  })

  test("CPU lists and ELF headers", () => {
    expect(parseCpuList("0-3,6\n")).toBe(5)
    const header = new Uint8Array(20)
    header.set([0x7f, 0x45, 0x4c, 0x46, 2, 1])
    header[18] = 0xb7
    expect(elfArchitecture(header)).toBe("aarch64")
    expect(elfArchitecture(new Uint8Array([1, 2, 3]))).toBeNull()
  })
})

describe("rpm headers and rpmdb.sqlite", () => {
  const bash = { name: "bash", version: "5.2.26", release: "3.fc40", arch: "x86_64" }

  test("a header blob as the database stores it, and as a package file has it (with the intro)", () => {
    const expected = {
      name: "bash",
      version: "5.2.26",
      release: "3.fc40",
      epoch: null,
      arch: "x86_64",
      sourceRpm: "bash-5.2.26-3.fc40.src.rpm"
    }
    expect(parseRpmHeader(encodeRpmHeader(bash))).toEqual(expected)
    expect(parseRpmHeader(encodeRpmHeader(bash, true))).toEqual(expected)
    expect(parseRpmHeader(encodeRpmHeader({ ...bash, epoch: 2 }))).toMatchObject({ epoch: 2 })
    expect(parseRpmHeader(encodeRpmHeader({ name: "gpg-pubkey", version: "a1", release: "b2" }))).toMatchObject({
      arch: null
    })
  })

  test("a blob that is not a header is malformed, never guessed at", () => {
    const blob = encodeRpmHeader(bash)
    expect(parseRpmHeader(blob.subarray(0, 40))).toBeInstanceOf(MalformedHeader)
    expect(parseRpmHeader(new Uint8Array(4))).toBeInstanceOf(MalformedHeader)
    expect(parseRpmHeader(new Uint8Array(16))).toBeInstanceOf(MalformedHeader)
  })

  test("the database's Packages table, in WAL mode as rpm leaves it; an empty one; not a database", () => {
    const headers = readRpmDb(rpmdbSqlite([bash, { ...bash, name: "zsh" }]))
    expect(Array.isArray(headers) ? headers.map((header) => header.name) : headers).toEqual(["bash", "zsh"])
    expect(readRpmDb(rpmdbSqlite([]))).toEqual([])
    expect(readRpmDb(new TextEncoder().encode("hello"))).toBeInstanceOf(RpmDbUnreadable)
    const other = new Database(":memory:")
    other.run("CREATE TABLE things (x)")
    const bytes = new Uint8Array(other.serialize())
    other.close()
    const noTable = readRpmDb(bytes)
    expect(noTable).toBeInstanceOf(RpmDbUnreadable)
    expect((noTable as RpmDbUnreadable).reason).toContain("no such table: Packages")
  })
})

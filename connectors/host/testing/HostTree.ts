import fc from "fast-check"
import { type RpmPackage, rpmdbSqlite } from "./RpmFixture.ts"

/** A listening socket in a generated tree. */
export interface TreeSocket {
  readonly protocol: "tcp" | "udp"
  readonly family: "ipv4" | "ipv6"
  /** Dotted IPv4, or IPv6 written as eight full groups (`0:0:0:0:0:0:0:1`). */
  readonly address: string
  readonly port: number
}

/**
 * A machine as a plain object, for tests and the harness: `render` turns it into the files the host
 * connector reads, which `writeTree` puts under a temporary root or `memoryLayer` serves from memory.
 */
export interface HostTree {
  readonly hostname: string
  readonly os: { readonly id: string; readonly name: string; readonly versionId: string }
  readonly kernelRelease: string
  readonly architecture: string
  readonly cpus: number
  readonly memoryKb: number
  readonly users: ReadonlyArray<{
    readonly name: string
    readonly uid: number
    readonly gid: number
    readonly gecos: string
    readonly shell: string
  }>
  readonly groups: ReadonlyArray<{
    readonly name: string
    readonly gid: number
    readonly members: ReadonlyArray<string>
  }>
  /** dpkg packages (`/var/lib/dpkg/status`). */
  readonly packages: ReadonlyArray<{ readonly name: string; readonly version: string; readonly architecture: string }>
  /** rpm packages: a generated `/var/lib/rpm/rpmdb.sqlite` when given. */
  readonly rpmPackages?: ReadonlyArray<RpmPackage>
  /** An older (BerkeleyDB) rpm database file, `/var/lib/rpm/Packages`, which the connector does not read. */
  readonly legacyRpm?: boolean
  readonly interfaces: ReadonlyArray<{
    readonly name: string
    readonly mac: string
    readonly mtu: number
    readonly type: number
  }>
  readonly sockets: ReadonlyArray<TreeSocket>
  /** Files to leave out, to test missing sources (`/etc/passwd`). */
  readonly omit?: ReadonlyArray<string>
}

/** A small Debian web server: three users, five groups, three packages, two interfaces, six sockets. */
export const sampleTree: HostTree = {
  hostname: "web-01",
  os: { id: "debian", name: "Debian GNU/Linux", versionId: "12" },
  kernelRelease: "6.1.0-18-amd64",
  architecture: "x86_64",
  cpus: 4,
  memoryKb: 8_000_000,
  users: [
    { name: "root", uid: 0, gid: 0, gecos: "root", shell: "/bin/bash" },
    { name: "www-data", uid: 33, gid: 33, gecos: "www-data", shell: "/usr/sbin/nologin" },
    { name: "alice", uid: 1000, gid: 1000, gecos: "Alice Smith,,,", shell: "/bin/zsh" }
  ],
  groups: [
    { name: "root", gid: 0, members: [] },
    { name: "sudo", gid: 27, members: ["alice"] },
    { name: "www-data", gid: 33, members: [] },
    { name: "alice", gid: 1000, members: [] },
    { name: "docker", gid: 999, members: ["alice", "ghost"] }
  ],
  packages: [
    { name: "openssh-server", version: "1:9.2p1-2", architecture: "amd64" },
    { name: "nginx", version: "1.22.1-9", architecture: "amd64" },
    { name: "tzdata", version: "2024a-0", architecture: "all" }
  ],
  interfaces: [
    { name: "lo", mac: "00:00:00:00:00:00", mtu: 65536, type: 772 },
    { name: "eth0", mac: "52:54:00:12:34:56", mtu: 1500, type: 1 }
  ],
  sockets: [
    { protocol: "tcp", family: "ipv4", address: "0.0.0.0", port: 22 },
    { protocol: "tcp", family: "ipv4", address: "127.0.0.1", port: 5432 },
    { protocol: "tcp", family: "ipv6", address: "0:0:0:0:0:0:0:0", port: 443 },
    { protocol: "tcp", family: "ipv6", address: "0:0:0:0:0:0:0:1", port: 631 },
    { protocol: "udp", family: "ipv4", address: "127.0.0.53", port: 53 },
    { protocol: "tcp", family: "ipv4", address: "0.0.0.0", port: 41234 }
  ]
}

const hex2 = (n: number) => n.toString(16).toUpperCase().padStart(2, "0")

const encodeIpv4 = (address: string): string =>
  address
    .split(".")
    .map((part) => hex2(Number(part)))
    .reverse()
    .join("")

const encodeIpv6 = (address: string): string => {
  const groups = address.split(":").map((group) => group.padStart(4, "0"))
  const bytes = groups.flatMap((group) => [group.slice(0, 2), group.slice(2, 4)])
  let out = ""
  for (let word = 0; word < 4; word++)
    out += bytes
      .slice(word * 4, word * 4 + 4)
      .reverse()
      .join("")
  return out.toUpperCase()
}

const socketTable = (sockets: ReadonlyArray<TreeSocket>, wide: boolean, udp: boolean): string => {
  const header = wide
    ? "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
    : "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
  const zero = wide ? "0".repeat(32) : "00000000"
  const rows = sockets.map((socket, i) => {
    const address = wide ? encodeIpv6(socket.address) : encodeIpv4(socket.address)
    const port = socket.port.toString(16).toUpperCase().padStart(4, "0")
    const state = udp ? "07" : "0A"
    return `  ${i}: ${address}:${port} ${zero}:0000 ${state} 00000000:00000000 00:00000000 00000000     0        0 ${1000 + i} 1 0000000000000000 100 0 0 10 0`
  })
  return `${[header, ...rows].join("\n")}\n`
}

/** A file of a generated tree: text, or bytes (the rpm database). */
export type TreeFile = string | Uint8Array

/** The first page of a BerkeleyDB hash database: its magic (0x061561) at byte 12, as rpm < 4.16 left it. */
const berkeleyDbPage = (): Uint8Array => {
  const page = new Uint8Array(4096)
  new DataView(page.buffer).setUint32(12, 0x061561, true)
  return page
}

/** The files (path → content) that describe the tree, as the host connector reads them. */
export const render = (tree: HostTree): Readonly<Record<string, TreeFile>> => {
  const pick = (protocol: "tcp" | "udp", family: "ipv4" | "ipv6") =>
    tree.sockets.filter((socket) => socket.protocol === protocol && socket.family === family)
  const files: Record<string, TreeFile> = {
    "/proc/sys/kernel/hostname": `${tree.hostname}\n`,
    "/etc/os-release": `NAME="${tree.os.name}"\nID=${tree.os.id}\nVERSION_ID="${tree.os.versionId}"\nPRETTY_NAME="${tree.os.name} ${tree.os.versionId}"\n`,
    "/proc/sys/kernel/ostype": "Linux\n",
    "/proc/sys/kernel/osrelease": `${tree.kernelRelease}\n`,
    "/proc/sys/kernel/version": "#1 SMP PREEMPT_DYNAMIC\n",
    "/proc/sys/kernel/arch": `${tree.architecture}\n`,
    "/proc/cpuinfo": Array.from({ length: tree.cpus }, (_, i) => `processor\t: ${i}\nmodel name\t: Test CPU\n`).join(
      "\n"
    ),
    "/proc/meminfo": `MemTotal:       ${tree.memoryKb} kB\nMemFree:         1234 kB\n`,
    "/etc/passwd": tree.users
      .map((user) => `${user.name}:x:${user.uid}:${user.gid}:${user.gecos}:/home/${user.name}:${user.shell}\n`)
      .join(""),
    "/etc/group": tree.groups.map((group) => `${group.name}:x:${group.gid}:${group.members.join(",")}\n`).join(""),
    "/var/lib/dpkg/status": tree.packages
      .map(
        (pkg) =>
          `Package: ${pkg.name}\nStatus: install ok installed\nArchitecture: ${pkg.architecture}\nVersion: ${pkg.version}\nDescription: ${pkg.name}\n a test package\n`
      )
      .join("\n"),
    "/proc/sys/net/ipv4/ip_local_port_range": "32768\t60999\n",
    "/proc/net/tcp": socketTable(pick("tcp", "ipv4"), false, false),
    "/proc/net/tcp6": socketTable(pick("tcp", "ipv6"), true, false),
    "/proc/net/udp": socketTable(pick("udp", "ipv4"), false, true),
    "/proc/net/udp6": socketTable(pick("udp", "ipv6"), true, true)
  }
  if (tree.rpmPackages !== undefined) files["/var/lib/rpm/rpmdb.sqlite"] = rpmdbSqlite(tree.rpmPackages)
  if (tree.legacyRpm) files["/var/lib/rpm/Packages"] = berkeleyDbPage()
  for (const nic of tree.interfaces) {
    files[`/sys/class/net/${nic.name}/address`] = `${nic.mac}\n`
    files[`/sys/class/net/${nic.name}/mtu`] = `${nic.mtu}\n`
    files[`/sys/class/net/${nic.name}/type`] = `${nic.type}\n`
    files[`/sys/class/net/${nic.name}/operstate`] = "up\n"
  }
  for (const path of tree.omit ?? []) {
    for (const file of Object.keys(files)) if (file === path || file.startsWith(`${path}/`)) delete files[file]
  }
  return files
}

const name = fc.stringMatching(/^[a-z][a-z0-9_-]{0,11}$/)
const octet = fc.integer({ min: 0, max: 255 })

const socket: fc.Arbitrary<TreeSocket> = fc.oneof(
  fc.record({
    protocol: fc.constantFrom("tcp" as const, "udp" as const),
    family: fc.constant("ipv4" as const),
    address: fc.tuple(octet, octet, octet, octet).map((parts) => parts.join(".")),
    port: fc.integer({ min: 1, max: 32767 })
  }),
  fc.record({
    protocol: fc.constantFrom("tcp" as const, "udp" as const),
    family: fc.constant("ipv6" as const),
    address: fc
      .array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 })
      .map((groups) => groups.map((group) => group.toString(16)).join(":")),
    port: fc.integer({ min: 1, max: 32767 })
  })
)

/** Generated machines: a few users, groups, packages, interfaces (always `lo`) and sockets, names unique. */
export const hostTreeArbitrary: fc.Arbitrary<HostTree> = fc
  .record({
    hostname: name,
    users: fc.uniqueArray(
      fc.record({
        name,
        uid: fc.nat(70000),
        gid: fc.nat(2000),
        shell: fc.constantFrom("/bin/bash", "/usr/sbin/nologin")
      }),
      {
        selector: (user) => user.name,
        maxLength: 8
      }
    ),
    groups: fc.uniqueArray(fc.record({ name, gid: fc.nat(2000) }), { selector: (group) => group.name, maxLength: 8 }),
    packages: fc.uniqueArray(
      fc.record({
        name,
        version: fc.stringMatching(/^[0-9]\.[0-9]{1,2}-[0-9]$/),
        architecture: fc.constantFrom("amd64", "all")
      }),
      { selector: (pkg) => pkg.name, maxLength: 10 }
    ),
    interfaces: fc.uniqueArray(
      fc.record({
        name: fc.stringMatching(/^(eth|wlan|br)[0-9]$/),
        mac: fc
          .array(octet, { minLength: 6, maxLength: 6 })
          .map((bytes) => bytes.map((b) => b.toString(16).padStart(2, "0")).join(":")),
        mtu: fc.constantFrom(1500, 9000),
        type: fc.constant(1)
      }),
      { selector: (nic) => nic.name, maxLength: 3 }
    ),
    sockets: fc.array(socket, { maxLength: 6 }),
    memberships: fc.array(fc.tuple(fc.nat(7), fc.nat(7)), { maxLength: 10 }),
    rpmPackages: fc.option(
      fc.uniqueArray(
        fc.record(
          {
            name,
            version: fc.stringMatching(/^[0-9]\.[0-9]{1,2}$/),
            release: fc.stringMatching(/^[0-9]\.fc4[0-9]$/),
            epoch: fc.nat(3),
            arch: fc.constantFrom("x86_64", "noarch")
          },
          { requiredKeys: ["name", "version", "release", "arch"] }
        ),
        { selector: (pkg) => `${pkg.name}-${pkg.version}-${pkg.release}.${pkg.arch}`, maxLength: 4 }
      ),
      { nil: undefined }
    )
  })
  .map(({ memberships, users, groups, interfaces, rpmPackages, ...rest }) => ({
    ...rest,
    ...(rpmPackages === undefined ? {} : { rpmPackages }),
    interfaces: [{ name: "lo", mac: "00:00:00:00:00:00", mtu: 65536, type: 772 }, ...interfaces],
    os: { id: "debian", name: "Debian GNU/Linux", versionId: "12" },
    kernelRelease: "6.1.0-test",
    architecture: "x86_64",
    cpus: 4,
    memoryKb: 8_000_000,
    users: users.map((user) => ({ ...user, gecos: `${user.name} user` })),
    groups: groups.map((group, g) => ({
      ...group,
      members: [
        ...new Set(memberships.filter(([, i]) => i === g).flatMap(([u]) => (users[u] ? [users[u].name] : [])))
      ].sort()
    }))
  }))

import { Effect } from "effect"
import { Connector, ConnectorFailed, entity, relationship, type StepContext, step } from "parallax-connect"
import { HostConfig } from "./Config.ts"
import { readHostname, readMachine } from "./Facts.ts"
import { HostFiles } from "./HostFiles.ts"
import { type PackageEntry, parseApkInstalled, parseDpkgStatus, parseGroup, parsePasswd, rpmPackage } from "./Parse.ts"
import { isWildcard, LINK_TYPES, type ListeningSocket, parsePortRange, parseSockets } from "./ProcNet.ts"
import { RPMDB_LEGACY, RPMDB_SQLITE, RpmDbUnreadable, readRpmDb } from "./RpmDb.ts"

/** The entity types of the host connector. */
export const TYPES = {
  machine: "host_machine",
  user: "host_user",
  group: "host_group",
  package: "host_package",
  networkInterface: "host_interface",
  port: "host_port"
} as const

/** Login shells that do not allow an interactive login. */
const NO_LOGIN = /(?:nologin|false|sync|shutdown|halt)$/
/** The first uid and gid of ordinary accounts on most distributions. */
const FIRST_REGULAR_ID = 1000

/** The machine's key (its hostname), as the `machine` step emitted it. */
const machineKey = (ctx: Pick<StepContext, "prior">) =>
  Effect.gen(function* () {
    for (const machine of ctx.prior.entities(TYPES.machine)) return machine.key
    return yield* new ConnectorFailed({ reason: "the machine entity was not emitted" })
  })

/**
 * A step that links the machine to what another step collected (`machine HAS user`, ...). The
 * collecting steps read the hostname themselves and do not wait for the machine step, so one missing
 * source (os-release) fails one step; the links wait for both, so none points at a machine that is
 * not there.
 */
const linkStep = (id: string, collector: string, type: string, verb: string, description: string) =>
  step(id, description)
    .dependsOn("machine", collector)
    .relationships({ from: TYPES.machine, verb, to: type })
    .run((ctx) =>
      Effect.gen(function* () {
        const machine = yield* machineKey(ctx)
        for (const target of ctx.prior.entities(type)) {
          yield* ctx.emitRelationship(relationship(TYPES.machine, machine, verb, type, target.key))
        }
      })
    )

/** The packages of the rpm database, if there is one (rpm ≥ 4.16: SQLite); `undefined` if none. */
const readRpm = (config: HostConfig) =>
  Effect.gen(function* () {
    const files = yield* HostFiles
    for (const file of RPMDB_SQLITE) {
      const bytes = yield* files.readBytes(file, { bytes: config.maxRpmDbBytes, key: "maxRpmDbBytes" })
      if (bytes === undefined) continue
      const headers = readRpmDb(bytes)
      if (headers instanceof RpmDbUnreadable) {
        return yield* new ConnectorFailed({
          reason: `cannot read the rpm database ${files.root === "/" ? file : `${file} (under root ${files.root})`}: ${headers.reason}`
        })
      }
      return headers.map(rpmPackage)
    }
    return undefined
  })

/** The older rpm database (BerkeleyDB or ndb) present, if any: not read. */
const legacyRpm = Effect.gen(function* () {
  const files = yield* HostFiles
  for (const file of RPMDB_LEGACY) if (yield* files.exists(file)) return file
  return undefined
})

const socketKey = (socket: ListeningSocket): string =>
  `${socket.protocol}/${socket.family === "ipv6" ? `[${socket.address}]` : socket.address}:${socket.port}`

/**
 * `host`: the machine it runs on, read from files (no root, no credentials, no commands): the machine,
 * local users and groups with their memberships, installed packages (dpkg, apk, rpm), network
 * interfaces and listening TCP/UDP ports, each from its own source in its own step, so that a missing
 * source fails that step alone. Only stable facts, so two syncs in a row change nothing.
 *
 * @example
 * parallax sync host
 * parallax sync host --set root=/mnt/image
 */
export const host = Connector.make({
  name: "host",
  description: "The machine it runs on: OS, users, groups, packages, interfaces, listening ports (config root)",
  config: HostConfig,
  layer: (config) => HostFiles.layer(config.root, { maxFileBytes: config.maxFileBytes }),
  steps: (step) => [
    step("machine", "The machine: hostname, OS release, kernel, architecture, CPUs, memory")
      .entities({ type: TYPES.machine, class: "Host" })
      .run((ctx) =>
        Effect.gen(function* () {
          const { hostname, ...facts } = yield* readMachine
          yield* ctx.emitEntity(
            entity(TYPES.machine, hostname)
              .class("Host")
              .displayName(hostname)
              .properties({ hostname, ...facts })
          )
        })
      ),
    step("users", "Local users from /etc/passwd")
      .entities({ type: TYPES.user, class: "User" })
      .run((ctx) =>
        Effect.gen(function* () {
          const machine = yield* readHostname
          const users = parsePasswd(yield* (yield* HostFiles).readText("/etc/passwd"))
          for (const user of users) {
            yield* ctx.emitEntity(
              entity(TYPES.user, `${machine}/${user.name}`)
                .class("User")
                .displayName(user.name)
                .properties({
                  username: user.name,
                  uid: user.uid,
                  gid: user.gid,
                  fullName: user.gecos.split(",")[0] || null,
                  home: user.home,
                  shell: user.shell,
                  interactive: user.shell !== "" && !NO_LOGIN.test(user.shell),
                  system: user.uid < FIRST_REGULAR_ID || user.uid === 65534
                })
            )
          }
        })
      ),
    step("groups", "Local groups from /etc/group")
      .entities({ type: TYPES.group, class: "UserGroup" })
      .run((ctx) =>
        Effect.gen(function* () {
          const machine = yield* readHostname
          const groups = parseGroup(yield* (yield* HostFiles).readText("/etc/group"))
          for (const group of groups) {
            yield* ctx.emitEntity(
              entity(TYPES.group, `${machine}/${group.name}`)
                .class("UserGroup")
                .displayName(group.name)
                .properties({
                  groupName: group.name,
                  gid: group.gid,
                  members: group.members,
                  system: group.gid < FIRST_REGULAR_ID || group.gid === 65534
                })
            )
          }
        })
      ),
    step("memberships", "Which groups each user is a MEMBER_OF: the primary group and the listed ones")
      .dependsOn("users", "groups")
      .relationships({ from: TYPES.user, verb: "MEMBER_OF", to: TYPES.group })
      .run((ctx) =>
        Effect.gen(function* () {
          const machine = yield* readHostname
          const groups = Array.from(ctx.prior.entities(TYPES.group))
          const users = Array.from(ctx.prior.entities(TYPES.user)).sort((a, b) => (a.key < b.key ? -1 : 1))
          for (const user of users) {
            const username = String(user.properties.username)
            for (const group of groups) {
              const primary = group.properties.gid === user.properties.gid
              const members = group.properties.members
              const listed = Array.isArray(members) && members.includes(username)
              if (!primary && !listed) continue
              yield* ctx.emitRelationship(
                relationship(TYPES.user, user.key, "MEMBER_OF", TYPES.group, group.key).property("primary", primary)
              )
            }
          }
          yield* ctx.log.debug(`memberships of ${users.length} users on ${machine}`)
        })
      ),
    step("packages", "Installed packages from the dpkg status file, the apk database or the rpm database")
      .entities({ type: TYPES.package, class: "Package" })
      .run((ctx) =>
        Effect.gen(function* () {
          const machine = yield* readHostname
          const files = yield* HostFiles
          const dpkg = yield* files.readOptional("/var/lib/dpkg/status")
          const apk = yield* files.readOptional("/lib/apk/db/installed")
          const rpm = yield* readRpm(ctx.config)
          const legacy = rpm === undefined ? yield* legacyRpm : undefined
          if (dpkg === undefined && apk === undefined && rpm === undefined) {
            return yield* new ConnectorFailed({
              reason:
                legacy !== undefined
                  ? `only an older rpm database was found (${legacy}: BerkeleyDB or ndb), which is not read; rpm 4.16 and later keep rpmdb.sqlite (\`rpmdb --rebuilddb\` converts the database)`
                  : `no package database found: none of /var/lib/dpkg/status, /lib/apk/db/installed, ${RPMDB_SQLITE.join(", ")} exists`
            })
          }
          if (legacy !== undefined) yield* ctx.log.warn(`the older rpm database ${legacy} is not read`)
          const packages: ReadonlyArray<PackageEntry> = [
            ...(dpkg === undefined ? [] : parseDpkgStatus(dpkg)),
            ...(apk === undefined ? [] : parseApkInstalled(apk)),
            ...(rpm ?? [])
          ]
          for (const pkg of packages) {
            // rpm installs several versions of one name side by side (kernels): its key carries the version.
            const key =
              pkg.manager === "rpm"
                ? `${machine}/rpm/${pkg.name}-${pkg.version}${pkg.architecture === "" ? "" : `.${pkg.architecture}`}`
                : `${machine}/${pkg.manager}/${pkg.name}${pkg.architecture === "" ? "" : `:${pkg.architecture}`}`
            yield* ctx.emitEntity(
              entity(TYPES.package, key)
                .class("Package")
                .displayName(`${pkg.name} ${pkg.version}`)
                .properties({ ...pkg })
            )
          }
        })
      ),
    step("interfaces", "Network interfaces from /sys/class/net")
      .entities({ type: TYPES.networkInterface, class: "NetworkInterface" })
      .run((ctx) =>
        Effect.gen(function* () {
          const machine = yield* readHostname
          const files = yield* HostFiles
          for (const name of yield* files.list("/sys/class/net")) {
            const read = (file: string) =>
              files.readOptional(`/sys/class/net/${name}/${file}`).pipe(Effect.map((text) => text?.trim()))
            const type = yield* read("type")
            if (type === undefined) continue
            const mtu = Number(yield* read("mtu"))
            const key = `${machine}/${name}`
            yield* ctx.emitEntity(
              entity(TYPES.networkInterface, key)
                .class("NetworkInterface")
                .displayName(name)
                .properties({
                  name,
                  macAddress: (yield* read("address")) || null,
                  mtu: Number.isFinite(mtu) ? mtu : null,
                  linkType: LINK_TYPES[type] ?? `arphrd-${type}`,
                  operState: (yield* read("operstate")) || null
                })
            )
          }
        })
      ),
    step("ports", "Listening TCP and UDP ports from /proc/net/{tcp,tcp6,udp,udp6}")
      .entities({ type: TYPES.port, class: "Port" })
      .run((ctx) =>
        Effect.gen(function* () {
          const machine = yield* readHostname
          const files = yield* HostFiles
          const ephemeral = parsePortRange(yield* files.readOptional("/proc/sys/net/ipv4/ip_local_port_range"))
          const tables = [
            ["tcp", "tcp", "ipv4"],
            ["tcp6", "tcp", "ipv6"],
            ["udp", "udp", "ipv4"],
            ["udp6", "udp", "ipv6"]
          ] as const
          const sockets = new Map<string, ListeningSocket>()
          let found = 0
          for (const [file, protocol, family] of tables) {
            const text = yield* files.readOptional(`/proc/net/${file}`)
            if (text === undefined) continue
            found++
            for (const socket of parseSockets(text, protocol, family, ephemeral)) sockets.set(socketKey(socket), socket)
          }
          if (found === 0) {
            return yield* new ConnectorFailed({
              reason: "no socket table found: /proc/net/{tcp,tcp6,udp,udp6} are all missing"
            })
          }
          for (const [name, socket] of [...sockets].sort(([a], [b]) => (a < b ? -1 : 1))) {
            const key = `${machine}/${name}`
            yield* ctx.emitEntity(
              entity(TYPES.port, key)
                .class("Port")
                .displayName(name)
                .properties({ ...socket, wildcard: isWildcard(socket.address) })
            )
          }
        })
      ),
    linkStep("machine-users", "users", TYPES.user, "HAS", "The machine HAS each local user"),
    linkStep("machine-groups", "groups", TYPES.group, "HAS", "The machine HAS each local group"),
    linkStep("machine-packages", "packages", TYPES.package, "INSTALLED", "Each package is INSTALLED on the machine"),
    linkStep("machine-interfaces", "interfaces", TYPES.networkInterface, "HAS", "The machine HAS each interface"),
    linkStep("machine-ports", "ports", TYPES.port, "LISTENS", "The machine LISTENS on each port")
  ]
})

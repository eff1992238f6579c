import { describe, expect } from "bun:test"
import { FileSystem, Path } from "@effect/platform"
import { BunFileSystem } from "@effect/platform-bun"
import { Effect, Layer } from "effect"
import fc from "fast-check"
import { type RunOutput, runConnector } from "parallax-connect"
import host from "../../../connectors/host/index.ts"
import { type HostTree, hostTreeArbitrary, render } from "../../../connectors/host/testing/HostTree.ts"
import { memoryLayer, writeTree } from "../../../connectors/host/testing/MemoryHostFiles.ts"
import { liveTest } from "../../support/effectTest.ts"

const Platform = Layer.merge(BunFileSystem.layer, Path.layer)

/** Writes the tree under a fresh temporary root and syncs it from there. */
const syncTree = (tree: HostTree) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const root = yield* fs.makeTempDirectoryScoped({ prefix: "parallax-host-" })
    yield* writeTree(root, render(tree))
    return { root, output: yield* runConnector(host, { config: { root }, strict: true }) }
  }).pipe(Effect.provide(Platform))

const fingerprint = (output: RunOutput): ReadonlyArray<string> =>
  [...output.entities.map((e) => `${e.id}:${e.hash}`), ...output.relationships.map((r) => `${r.id}:${r.hash}`)].sort()

const status = (output: RunOutput) => Object.fromEntries(output.steps.map((step) => [step.id, step.status]))
const keys = (output: RunOutput, type: string) =>
  output.entities
    .filter((e) => e.type === type)
    .map((e) => e.key)
    .sort()

const tree: HostTree = {
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

describe("host on a generated tree", () => {
  liveTest("reads the machine, users, groups, memberships, packages, interfaces and ports", () =>
    Effect.gen(function* () {
      const { output } = yield* syncTree(tree)
      expect(Object.values(status(output)).every((s) => s === "succeeded")).toBe(true)
      expect(output.warnings).toEqual([])
      const machine = output.entities.find((e) => e.type === "host_machine")
      expect(machine?.key).toBe("web-01")
      expect(machine?.class).toBe("Host")
      expect(machine?.properties).toEqual({
        hostname: "web-01",
        osId: "debian",
        osName: "Debian GNU/Linux",
        osVersion: "12",
        osPrettyName: "Debian GNU/Linux 12",
        kernelName: "Linux",
        kernelRelease: "6.1.0-18-amd64",
        kernelVersion: "#1 SMP PREEMPT_DYNAMIC",
        architecture: "x86_64",
        cpuCount: 4,
        memoryTotalBytes: 8_000_000 * 1024
      })
      expect(keys(output, "host_user")).toEqual(["web-01/alice", "web-01/root", "web-01/www-data"])
      const alice = output.entities.find((e) => e.key === "web-01/alice" && e.type === "host_user")
      expect(alice?.properties).toMatchObject({ uid: 1000, fullName: "Alice Smith", interactive: true, system: false })
      const memberships = output.relationships
        .filter((r) => r.verb === "MEMBER_OF")
        .map((r) => `${r.fromKey} -> ${r.toKey}${r.properties.primary ? " (primary)" : ""}`)
        .sort()
      expect(memberships).toEqual([
        "web-01/alice -> web-01/alice (primary)",
        "web-01/alice -> web-01/docker",
        "web-01/alice -> web-01/sudo",
        "web-01/root -> web-01/root (primary)",
        "web-01/www-data -> web-01/www-data (primary)"
      ])
      expect(keys(output, "host_package")).toEqual([
        "web-01/dpkg/nginx:amd64",
        "web-01/dpkg/openssh-server:amd64",
        "web-01/dpkg/tzdata:all"
      ])
      const nics = output.entities.filter((e) => e.type === "host_interface").map((e) => e.properties)
      expect(nics).toContainEqual({
        name: "lo",
        macAddress: "00:00:00:00:00:00",
        mtu: 65536,
        linkType: "loopback",
        operState: "up"
      })
      expect(keys(output, "host_port")).toEqual([
        "web-01/tcp/0.0.0.0:22",
        "web-01/tcp/127.0.0.1:5432",
        "web-01/tcp/[::1]:631",
        "web-01/tcp/[::]:443",
        "web-01/udp/127.0.0.53:53"
      ])
      const verbs = new Set(output.relationships.map((r) => `${r.fromType} ${r.verb} ${r.toType}`))
      expect([...verbs].sort()).toEqual([
        "host_machine HAS host_group",
        "host_machine HAS host_interface",
        "host_machine HAS host_user",
        "host_machine INSTALLED host_package",
        "host_machine LISTENS host_port",
        "host_user MEMBER_OF host_group"
      ])
    })
  )

  liveTest("a missing /etc/passwd fails the users step, naming the file; the others still run", () =>
    Effect.gen(function* () {
      const { root, output } = yield* syncTree({ ...tree, omit: ["/etc/passwd", "/sys/class/net"] })
      expect(status(output)).toEqual({
        machine: "succeeded",
        users: "failed",
        groups: "succeeded",
        memberships: "skipped",
        packages: "succeeded",
        interfaces: "failed",
        ports: "succeeded"
      })
      const users = output.steps.find((s) => s.id === "users")
      expect(users?.error?._tag).toBe("ConnectorFailed")
      expect(users?.error?.message).toBe(`cannot read /etc/passwd (under root ${root}): it does not exist`)
      expect(output.steps.find((s) => s.id === "interfaces")?.error?.message).toContain("cannot list /sys/class/net")
    })
  )

  liveTest("no hostname fails the machine step and skips the steps that hang off it", () =>
    Effect.gen(function* () {
      const { output } = yield* syncTree({ ...tree, omit: ["/proc/sys/kernel/hostname", "/var/lib/dpkg"] })
      expect(status(output).machine).toBe("failed")
      expect(output.steps.find((s) => s.id === "machine")?.error?.message).toContain("cannot find the hostname")
      expect(output.steps.filter((s) => s.id !== "machine").every((s) => s.status === "skipped")).toBe(true)
    })
  )

  liveTest("a tree without a package database fails the packages step with the files it looked for", () =>
    Effect.gen(function* () {
      const { output } = yield* syncTree({ ...tree, omit: ["/var/lib/dpkg"] })
      expect(status(output).packages).toBe("failed")
      expect(output.steps.find((s) => s.id === "packages")?.error?.message).toContain("no package database found")
    })
  )

  liveTest(
    "generated trees: the files on disk and the same files served from memory give the same graph",
    () =>
      Effect.forEach(
        fc.sample(hostTreeArbitrary, { numRuns: 15, seed: 42 }),
        (generated) =>
          Effect.gen(function* () {
            const { output } = yield* syncTree(generated)
            const files = render(generated)
            const memory = yield* runConnector(host, { layer: memoryLayer(files), strict: true })
            expect(output.steps.filter((s) => s.status !== "succeeded").map((s) => s.error?.message)).toEqual([])
            expect(fingerprint(memory)).toEqual(fingerprint(output))
            const again = yield* syncTree(generated)
            expect(fingerprint(again.output)).toEqual(fingerprint(output))
          }),
        { discard: true }
      ),
    30_000
  )
})

describe("host on this machine", () => {
  liveTest("two syncs in a row give identical output", () =>
    Effect.gen(function* () {
      const first = yield* runConnector(host, { config: { root: "/" } })
      const second = yield* runConnector(host, { config: { root: "/" } })
      expect(status(first).machine).toBe("succeeded")
      expect(first.entities.filter((e) => e.type === "host_machine")).toHaveLength(1)
      expect(fingerprint(second)).toEqual(fingerprint(first))
    })
  )
})

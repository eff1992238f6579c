import { describe, expect } from "bun:test"
import { FileSystem, Path } from "@effect/platform"
import { BunFileSystem } from "@effect/platform-bun"
import { Effect, Layer } from "effect"
import fc from "fast-check"
import { type RunOutput, runConnector, SqliteStore, sync } from "parallax-connect"
import host from "../../../connectors/host/index.ts"
import { type HostTree, hostTreeArbitrary, render, sampleTree } from "../../../connectors/host/testing/HostTree.ts"
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

const tree = sampleTree

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
        ports: "succeeded",
        "machine-users": "skipped",
        "machine-groups": "succeeded",
        "machine-packages": "succeeded",
        "machine-interfaces": "skipped",
        "machine-ports": "succeeded"
      })
      const users = output.steps.find((s) => s.id === "users")
      expect(users?.error?._tag).toBe("ConnectorFailed")
      expect(users?.error?.message).toBe(`cannot read /etc/passwd (under root ${root}): it does not exist`)
      expect(output.steps.find((s) => s.id === "interfaces")?.error?.message).toContain("cannot list /sys/class/net")
    })
  )

  liveTest("no hostname (which every key starts with) fails each collecting step, naming the files", () =>
    Effect.gen(function* () {
      const { output } = yield* syncTree({ ...tree, omit: ["/proc/sys/kernel/hostname", "/var/lib/dpkg"] })
      for (const id of ["machine", "users", "groups", "packages", "interfaces", "ports"]) {
        expect(status(output)[id]).toBe("failed")
        expect(output.steps.find((s) => s.id === id)?.error?.message).toContain("cannot find the hostname")
      }
      expect(output.entities).toEqual([])
    })
  )

  liveTest("no os-release fails the machine step alone: users, groups, packages, interfaces, ports still run", () =>
    Effect.gen(function* () {
      const { output } = yield* syncTree({ ...tree, omit: ["/etc/os-release"] })
      expect(status(output)).toEqual({
        machine: "failed",
        users: "succeeded",
        groups: "succeeded",
        memberships: "succeeded",
        packages: "succeeded",
        interfaces: "succeeded",
        ports: "succeeded",
        "machine-users": "skipped",
        "machine-groups": "skipped",
        "machine-packages": "skipped",
        "machine-interfaces": "skipped",
        "machine-ports": "skipped"
      })
      expect(output.steps.find((s) => s.id === "machine")?.error?.message).toContain(
        "cannot find the OS release: none of /etc/os-release, /usr/lib/os-release exists"
      )
      expect(keys(output, "host_user")).toEqual(["web-01/alice", "web-01/root", "web-01/www-data"])
      // Nothing points at the machine that was not emitted.
      expect(output.relationships.filter((r) => r.fromType === "host_machine")).toEqual([])
    })
  )

  liveTest("without os-release the partial sync commits (no dangling link); with it the links follow", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "parallax-host-store-" })
      const root = `${dir}/root`
      const store = SqliteStore.layerWith({ path: `${dir}/store.db` })
      yield* writeTree(root, render({ ...tree, omit: ["/etc/os-release"] }))
      const first = yield* sync(host, { config: { root }, strict: true }).pipe(Effect.provide(store))
      expect(first.status).toBe("partial")
      expect(first.stats.entitiesCreated).toBeGreaterThan(10)
      yield* writeTree(root, render(tree))
      const second = yield* sync(host, { config: { root }, strict: true }).pipe(Effect.provide(store))
      expect(second.status).toBe("succeeded")
      expect(second.stats.entitiesCreated).toBe(1)
      expect(second.stats.relationshipsCreated).toBe(3 + 5 + 3 + 2 + 5)
    }).pipe(Effect.provide(Platform))
  )

  liveTest("rpm: packages from rpmdb.sqlite (rpm's header blobs), several versions of a name side by side", () =>
    Effect.gen(function* () {
      const { output } = yield* syncTree({
        ...tree,
        omit: ["/var/lib/dpkg"],
        rpmPackages: [
          { name: "bash", version: "5.2.26", release: "3.fc40", arch: "x86_64" },
          { name: "kernel-core", version: "6.8.5", release: "301.fc40", arch: "x86_64" },
          { name: "kernel-core", version: "6.9.7", release: "200.fc40", arch: "x86_64" },
          { name: "shadow-utils", version: "4.15.1", release: "3.fc40", epoch: 2, arch: "x86_64" },
          { name: "gpg-pubkey", version: "a15b79cc", release: "63d04c2c" }
        ]
      })
      expect(status(output).packages).toBe("succeeded")
      expect(keys(output, "host_package")).toEqual([
        "web-01/rpm/bash-5.2.26-3.fc40.x86_64",
        "web-01/rpm/gpg-pubkey-a15b79cc-63d04c2c",
        "web-01/rpm/kernel-core-6.8.5-301.fc40.x86_64",
        "web-01/rpm/kernel-core-6.9.7-200.fc40.x86_64",
        "web-01/rpm/shadow-utils-2:4.15.1-3.fc40.x86_64"
      ])
      const shadow = output.entities.find((e) => e.key === "web-01/rpm/shadow-utils-2:4.15.1-3.fc40.x86_64")
      expect(shadow?.properties).toEqual({
        manager: "rpm",
        name: "shadow-utils",
        version: "2:4.15.1-3.fc40",
        architecture: "x86_64",
        source: "shadow-utils-4.15.1-3.fc40.src.rpm"
      })
      expect(output.relationships.filter((r) => r.verb === "INSTALLED")).toHaveLength(5)
    })
  )

  liveTest(
    "rpm: an older BerkeleyDB database alone is a clear error of the packages step; beside dpkg it is skipped",
    () =>
      Effect.gen(function* () {
        const { output } = yield* syncTree({ ...tree, omit: ["/var/lib/dpkg"], legacyRpm: true })
        expect(status(output).packages).toBe("failed")
        expect(output.steps.find((s) => s.id === "packages")?.error?.message).toContain(
          "only an older rpm database was found (/var/lib/rpm/Packages: BerkeleyDB or ndb), which is not read"
        )
        expect(status(output).users).toBe("succeeded")
        const both = yield* syncTree({ ...tree, legacyRpm: true })
        expect(status(both.output).packages).toBe("succeeded")
        expect(keys(both.output, "host_package")).toHaveLength(3)
      })
  )

  liveTest("rpm: a database that cannot be read fails the packages step, naming the file", () =>
    Effect.gen(function* () {
      const files = { ...render({ ...tree, omit: ["/var/lib/dpkg"] }), "/var/lib/rpm/rpmdb.sqlite": "not a database" }
      const output = yield* runConnector(host, { layer: memoryLayer(files) })
      expect(status(output).packages).toBe("failed")
      expect(output.steps.find((s) => s.id === "packages")?.error?.message).toBe(
        "cannot read the rpm database /var/lib/rpm/rpmdb.sqlite (under root (memory)): it is not an SQLite database"
      )
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

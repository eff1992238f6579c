import { describe, expect } from "bun:test"
import { FileSystem, Path } from "@effect/platform"
import { BunFileSystem } from "@effect/platform-bun"
import { Effect, Layer, type Scope } from "effect"
import { type RunOutput, runConnector, SqliteStore, sync } from "parallax-connect"
import host from "../../../connectors/host/index.ts"
import { render, sampleTree } from "../../../connectors/host/testing/HostTree.ts"
import { writeTree } from "../../../connectors/host/testing/MemoryHostFiles.ts"
import { liveTest } from "../../support/effectTest.ts"

// The host connector on trees built to break it: symbolic links out of the root, FIFOs, sockets, a link to
// /dev/zero, oversized files. Each such file fails the step that reads it, alone, with a clear error.

const Platform = Layer.merge(BunFileSystem.layer, Path.layer)

const tree = sampleTree

/** A temporary directory holding `root` (the tree) and `outside` (files a link out of the root points at). */
const hostile = Effect.gen(function* () {
  const fs = yield* FileSystem.FileSystem
  const dir = yield* fs.realPath(yield* fs.makeTempDirectoryScoped({ prefix: "parallax-hostile-" }))
  const root = `${dir}/root`
  const outside = `${dir}/outside`
  yield* writeTree(root, render(tree))
  yield* writeTree(outside, {
    "/passwd": "mallory:x:0:0:Mallory:/root:/bin/bash\n",
    "/group": "evil:x:4242:mallory\n",
    "/dpkg/status": "Package: evil-pkg\nStatus: install ok installed\nArchitecture: amd64\nVersion: 6.6.6\n",
    "/net/evil0/type": "1\n",
    "/net/evil0/mtu": "1500\n",
    "/net/evil0/address": "de:ad:be:ef:00:01\n"
  })
  const replace = (file: string) => fs.remove(`${root}${file}`, { recursive: true }).pipe(Effect.ignore)
  const link = (file: string, target: string) =>
    Effect.gen(function* () {
      yield* replace(file)
      yield* fs.makeDirectory(`${root}${file}`.replace(/\/[^/]+$/, ""), { recursive: true })
      yield* fs.symlink(target, `${root}${file}`)
    })
  const fifo = (file: string) =>
    Effect.gen(function* () {
      yield* replace(file)
      const made = Bun.spawnSync(["mkfifo", `${root}${file}`])
      if (made.exitCode !== 0) throw new Error(`mkfifo failed: ${made.stderr.toString()}`)
    })
  const socket = (file: string) =>
    Effect.gen(function* () {
      yield* replace(file)
      const listener = Bun.listen({ unix: `${root}${file}`, socket: { data: () => {} } })
      yield* Effect.addFinalizer(() => Effect.sync(() => listener.stop(true)))
    })
  return { root, outside, replace, link, fifo, socket }
})

/** A live test on the local file system. */
const fsTest = (
  name: string,
  body: () => Effect.Effect<unknown, unknown, FileSystem.FileSystem | Path.Path | Scope.Scope>,
  timeout?: number
) => liveTest(name, () => body().pipe(Effect.provide(Platform)), timeout)

const status = (output: RunOutput) => Object.fromEntries(output.steps.map((step) => [step.id, step.status]))
const errorOf = (output: RunOutput, id: string) => output.steps.find((s) => s.id === id)?.error?.message
const keys = (output: RunOutput, type: string) =>
  output.entities
    .filter((e) => e.type === type)
    .map((e) => e.key)
    .sort()

describe("host: symbolic links resolve inside root, as if root were /", () => {
  fsTest("absolute, relative (../../..), chained and intermediate-directory links never leave the root", () =>
    Effect.gen(function* () {
      const { root, outside, link } = yield* hostile
      // The same paths inside the root, where each link lands under chroot-like resolution.
      yield* writeTree(root, {
        [`${outside}/passwd`]: "inside:x:1001:1001:Inside:/home/inside:/bin/bash\n",
        [`${outside}/group`]: "insiders:x:3000:inside\n",
        [`${outside}/dpkg/status`]:
          "Package: inside-pkg\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.0\n"
      })
      const up = "../".repeat(outside.split("/").length + 4)
      // Absolute: /etc/passwd -> <outside>/passwd, read as <root><outside>/passwd.
      yield* link("/etc/passwd", `${outside}/passwd`)
      // Relative, climbing above the root, through a chain of two links: /etc/group -> ../var/g1 -> ../../..<outside>.
      yield* link("/etc/group", "../var/g1")
      yield* link("/var/g1", `${up}${outside.slice(1)}/group`)
      // An intermediate directory: /var/lib/dpkg -> <outside>/dpkg.
      yield* link("/var/lib/dpkg", `${outside}/dpkg`)
      // /sys: an interface whose link climbs out of the root to a directory that is not inside it.
      yield* link("/sys/class/net/evil0", `${up}${outside.slice(1)}/net/evil0`)
      const output = yield* runConnector(host, { config: { root } })
      expect(output.steps.filter((s) => s.status !== "succeeded").map((s) => `${s.id}: ${s.error?.message}`)).toEqual(
        []
      )
      expect(keys(output, "host_user")).toEqual(["web-01/inside"])
      expect(keys(output, "host_group")).toEqual(["web-01/insiders"])
      expect(keys(output, "host_package")).toEqual(["web-01/dpkg/inside-pkg:amd64"])
      expect(keys(output, "host_interface")).toEqual(["web-01/eth0", "web-01/lo"])
      expect(JSON.stringify(output.entities)).not.toMatch(/mallory|evil/)
    })
  )

  fsTest("a link out of the root to a file that is not inside it fails its step, saying where it led", () =>
    Effect.gen(function* () {
      const { root, outside, link } = yield* hostile
      yield* link("/etc/passwd", `${outside}/passwd`)
      yield* link("/etc/group", `../../../../../../../../../../..${outside}/group`)
      const output = yield* runConnector(host, { config: { root } })
      expect(status(output).users).toBe("failed")
      expect(status(output).groups).toBe("failed")
      expect(errorOf(output, "users")).toBe(
        `cannot read /etc/passwd (under root ${root}): it does not exist (its symbolic links lead to ${outside}/passwd inside the root)`
      )
      expect(errorOf(output, "groups")).toBe(
        `cannot read /etc/group (under root ${root}): it does not exist (its symbolic links lead to ${outside}/group inside the root)`
      )
      expect(status(output).packages).toBe("succeeded")
      expect(JSON.stringify(output.entities)).not.toMatch(/mallory|evil/)
    })
  )

  fsTest("a link loop is an error of its step, not a hang", () =>
    Effect.gen(function* () {
      const { root, link } = yield* hostile
      yield* link("/etc/os-release", "/usr/lib/os-release")
      yield* link("/usr/lib/os-release", "../../etc/os-release")
      const output = yield* runConnector(host, { config: { root } })
      expect(status(output).machine).toBe("failed")
      expect(errorOf(output, "machine")).toBe(
        `cannot read /etc/os-release (under root ${root}): too many levels of symbolic links`
      )
      expect(status(output).users).toBe("succeeded")
    })
  )
})

describe("host: only regular files are read, each within maxFileBytes", () => {
  fsTest(
    "a FIFO, a socket, a directory and a link to /dev/zero each fail their own step; the sync commits as partial",
    () =>
      Effect.gen(function* () {
        const { root, link, fifo, socket, replace } = yield* hostile
        yield* fifo("/etc/group")
        yield* link("/etc/passwd", "/dev/zero")
        yield* socket("/var/lib/dpkg/status")
        yield* fifo("/proc/net/tcp")
        yield* replace("/proc/meminfo")
        yield* (yield* FileSystem.FileSystem).makeDirectory(`${root}/proc/meminfo`)
        const dir = `${root}/..`
        const store = SqliteStore.layerWith({ path: `${dir}/store.db` })
        const result = yield* sync(host, { config: { root } }).pipe(Effect.provide(store))
        expect(result.status).toBe("partial")
        const steps = Object.fromEntries(result.steps.map((step) => [step.id, step.status]))
        expect(steps).toEqual({
          machine: "failed",
          users: "failed",
          groups: "failed",
          memberships: "skipped",
          packages: "failed",
          interfaces: "succeeded",
          ports: "failed",
          "machine-users": "skipped",
          "machine-groups": "skipped",
          "machine-packages": "skipped",
          "machine-interfaces": "skipped",
          "machine-ports": "skipped"
        })
        const error = (id: string) => result.steps.find((s) => s.id === id)?.error?.message
        expect(error("groups")).toBe(
          `cannot read /etc/group (under root ${root}): it is a FIFO (named pipe), not a regular file`
        )
        expect(error("users")).toBe(
          `cannot read /etc/passwd (under root ${root}): it does not exist (its symbolic links lead to /dev/zero inside the root)`
        )
        expect(error("packages")).toBe(
          `cannot read /var/lib/dpkg/status (under root ${root}): it is a socket, not a regular file`
        )
        expect(error("ports")).toBe(
          `cannot read /proc/net/tcp (under root ${root}): it is a FIFO (named pipe), not a regular file`
        )
        expect(error("machine")).toBe(
          `cannot read /proc/meminfo (under root ${root}): it is a directory, not a regular file`
        )
        expect(result.stats.entitiesCreated).toBe(2)
      }),
    30_000
  )

  fsTest("a 100 MiB /etc/passwd is more than the default maxFileBytes: the users step fails alone", () =>
    Effect.gen(function* () {
      const { root } = yield* hostile
      const fs = yield* FileSystem.FileSystem
      yield* fs.truncate(`${root}/etc/passwd`, 100 * 1024 * 1024)
      const output = yield* runConnector(host, { config: { root } })
      expect(status(output).users).toBe("failed")
      expect(errorOf(output, "users")).toBe(
        `cannot read /etc/passwd (under root ${root}): it is 100 MiB, more than maxFileBytes (64 MiB); raise maxFileBytes to read it`
      )
      expect(status(output).groups).toBe("succeeded")
      expect(status(output).machine).toBe("succeeded")
    })
  )

  fsTest("maxFileBytes is configurable, as a number or with a unit", () =>
    Effect.gen(function* () {
      const { root } = yield* hostile
      const fs = yield* FileSystem.FileSystem
      yield* fs.writeFileString(`${root}/etc/group`, "g:x:1:\n".repeat(300))
      const small = yield* runConnector(host, { config: { root, maxFileBytes: "1KiB" } })
      expect(errorOf(small, "groups")).toBe(
        `cannot read /etc/group (under root ${root}): it is 2.1 KiB, more than maxFileBytes (1 KiB); raise maxFileBytes to read it`
      )
      expect(status(small).users).toBe("succeeded")
      const enough = yield* runConnector(host, { config: { root, maxFileBytes: 4096 } })
      expect(status(enough).groups).toBe("succeeded")
      for (const bad of [0, -1, "ten", "1.5", "12 parsecs"]) {
        const error = yield* Effect.flip(runConnector(host, { config: { root, maxFileBytes: bad } }))
        expect(error._tag).toBe("ConfigInvalid")
        expect(error.message).toContain("maxFileBytes")
      }
    })
  )

  fsTest("the rpm database has its own limit, maxRpmDbBytes", () =>
    Effect.gen(function* () {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped({ prefix: "parallax-hostile-rpm-" })
      const rpmPackages = [{ name: "bash", version: "5.2.26", release: "3.fc40", arch: "x86_64" }]
      yield* writeTree(dir, render({ ...tree, omit: ["/var/lib/dpkg"], rpmPackages }))
      const size = (yield* fs.stat(`${dir}/var/lib/rpm/rpmdb.sqlite`)).size
      const within = yield* runConnector(host, { config: { root: dir, maxFileBytes: 4096 } })
      expect(Number(size)).toBeGreaterThan(4096)
      expect(status(within).packages).toBe("succeeded")
      const over = yield* runConnector(host, { config: { root: dir, maxRpmDbBytes: "4KiB" } })
      expect(errorOf(over, "packages")).toMatch(
        /^cannot read \/var\/lib\/rpm\/rpmdb\.sqlite \(under root .*\): it is [\d.]+ KiB, more than maxRpmDbBytes \(4 KiB\); raise maxRpmDbBytes to read it$/
      )
    })
  )
})

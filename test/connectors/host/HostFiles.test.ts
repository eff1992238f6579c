import { describe, expect } from "bun:test"
import { FileSystem, Path } from "@effect/platform"
import { BunFileSystem } from "@effect/platform-bun"
import { Effect, Layer, type Scope } from "effect"
import { HostFiles, type HostFilesOptions } from "../../../connectors/host/HostFiles.ts"
import { writeTree } from "../../../connectors/host/testing/MemoryHostFiles.ts"
import { liveTest } from "../../support/effectTest.ts"

const Platform = Layer.merge(BunFileSystem.layer, Path.layer)

const fsTest = (
  name: string,
  body: () => Effect.Effect<unknown, unknown, FileSystem.FileSystem | Path.Path | Scope.Scope>
) => liveTest(name, () => body().pipe(Effect.provide(Platform)))

const filesAt = (root: string, options: HostFilesOptions = {}) => HostFiles.make(root, options)

/** A temporary root holding `files`, with `outside` beside it. */
const tempRoot = (files: Readonly<Record<string, string>>) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const dir = yield* fs.realPath(yield* fs.makeTempDirectoryScoped({ prefix: "parallax-hostfiles-" }))
    yield* writeTree(`${dir}/root`, files)
    yield* writeTree(`${dir}/outside`, { "/secret": "outside\n" })
    const link = (file: string, target: string) => fs.symlink(target, `${dir}/root${file}`)
    return { dir, root: `${dir}/root`, link }
  })

const failure = <A, E extends { readonly message: string }>(effect: Effect.Effect<A, E>) =>
  Effect.flip(effect).pipe(Effect.map((error) => error.message))

describe("HostFiles: paths resolve inside the root", () => {
  fsTest("links, .. and absolute targets resolve as if the root were /; the root itself may be a link", () =>
    Effect.gen(function* () {
      const { dir, root, link } = yield* tempRoot({ "/etc/hostname": "inside\n", "/usr/lib/os-release": "ID=x\n" })
      yield* link("/etc/os-release", "../usr/lib/os-release")
      yield* link("/etc/abs", "/usr/lib/os-release")
      yield* link("/etc/up", "../../../../../../../etc/hostname")
      yield* link("/etc/out", `${dir}/outside/secret`)
      yield* (yield* FileSystem.FileSystem).symlink(root, `${dir}/alias`)
      const files = yield* filesAt(`${dir}/alias`)
      expect(yield* files.readText("/etc/os-release")).toBe("ID=x\n")
      expect(yield* files.readText("/etc/abs")).toBe("ID=x\n")
      expect(yield* files.readText("/etc/up")).toBe("inside\n")
      expect(yield* files.readText("/../../../etc/./hostname")).toBe("inside\n")
      expect(yield* files.readOptional("/etc/out")).toBeUndefined()
      expect(yield* files.exists("/etc/out")).toBe(false)
      expect(yield* files.exists("/etc/abs")).toBe(true)
      expect(yield* failure(files.readText("/etc/hostname/x"))).toBe(
        `cannot read /etc/hostname/x (under root ${dir}/alias): a part of its path is not a directory`
      )
    })
  )

  fsTest("a directory is listed through links inside the root; a FIFO is not a directory", () =>
    Effect.gen(function* () {
      const { root, link } = yield* tempRoot({ "/sys/devices/net/eth0/type": "1\n" })
      yield* (yield* FileSystem.FileSystem).makeDirectory(`${root}/sys/class`, { recursive: true })
      yield* link("/sys/class/net", "../devices/net")
      expect(Bun.spawnSync(["mkfifo", `${root}/sys/fifo`]).exitCode).toBe(0)
      const files = yield* filesAt(root)
      expect(yield* files.list("/sys/class/net")).toEqual(["eth0"])
      expect(yield* files.readText("/sys/class/net/eth0/type")).toBe("1\n")
      expect(yield* failure(files.list("/sys/fifo"))).toBe(
        `cannot list /sys/fifo (under root ${root}): it is a FIFO (named pipe), not a directory`
      )
    })
  )
})

describe("HostFiles on this machine (root /)", () => {
  fsTest("a character device is refused, directly or through a link, without reading it", () =>
    Effect.gen(function* () {
      const { dir } = yield* tempRoot({})
      yield* (yield* FileSystem.FileSystem).symlink("/dev/zero", `${dir}/zero`)
      const files = yield* filesAt("/")
      expect(yield* failure(files.readText("/dev/zero"))).toBe(
        "cannot read /dev/zero: it is a character device, not a regular file"
      )
      expect(yield* failure(files.readBytes(`${dir}/zero`))).toBe(
        `cannot read ${dir}/zero: it is a character device, not a regular file (its symbolic links lead to /dev/zero)`
      )
    })
  )

  fsTest("/proc and /sys: read through their links (/proc/net -> self/net), within maxFileBytes", () =>
    Effect.gen(function* () {
      const files = yield* filesAt("/")
      expect(yield* files.readText("/proc/net/tcp")).toMatch(/^\s*sl\s+local_address/)
      expect(yield* files.list("/sys/class/net")).toContain("lo")
      expect((yield* files.readText("/sys/class/net/lo/type")).trim()).toBe("772")
      // /proc files report a size of 0: the read itself stops at the limit.
      const small = yield* filesAt("/", { maxFileBytes: 16 })
      expect(yield* failure(small.readText("/proc/cpuinfo"))).toBe(
        "cannot read /proc/cpuinfo: it is more than maxFileBytes (16 bytes); raise maxFileBytes to read it"
      )
      expect(yield* small.readOptional("/proc/sys/kernel/ostype")).toBe("Linux\n")
    })
  )
})

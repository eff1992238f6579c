import { Effect } from "effect"
import { ConnectorFailed } from "parallax-connect"
import { HostFiles } from "./HostFiles.ts"
import { elfArchitecture, parseCpuCount, parseCpuList, parseMemTotal, parseOsRelease } from "./Parse.ts"

/** The stable facts about the machine itself: nothing that changes while it runs. */
export interface MachineFacts {
  readonly hostname: string
  readonly osId: string | null
  readonly osName: string | null
  readonly osVersion: string | null
  readonly osPrettyName: string | null
  readonly kernelName: string | null
  readonly kernelRelease: string | null
  readonly kernelVersion: string | null
  readonly architecture: string | null
  readonly cpuCount: number | null
  readonly memoryTotalBytes: number | null
}

const trimmed = (text: string | undefined): string | null => {
  const value = text?.trim()
  return value === undefined || value === "" ? null : value
}

/** The first of `files` that exists, trimmed; `undefined` when none does. */
const firstOf = (files: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const host = yield* HostFiles
    for (const file of files) {
      const text = yield* host.readOptional(file)
      if (text !== undefined) return { file, text }
    }
    return undefined
  })

/**
 * The hostname, which every key of the host connector starts with: each step reads it itself, so
 * that a step does not depend on the machine step (and on os-release) for it.
 */
export const readHostname: Effect.Effect<string, ConnectorFailed, HostFiles> = Effect.gen(function* () {
  const host = yield* HostFiles
  const hostnameFiles = ["/proc/sys/kernel/hostname", "/etc/hostname"]
  const hostname = trimmed((yield* firstOf(hostnameFiles))?.text)
  if (hostname === null) {
    return yield* new ConnectorFailed({
      reason: `cannot find the hostname: none of ${hostnameFiles.join(", ")} exists or is non-empty${host.root === "/" ? "" : ` under root ${host.root}`}`
    })
  }
  return hostname
})

/**
 * Reads the machine's facts under the root: the hostname and os-release are required (the step fails,
 * naming the files it looked for); kernel, architecture, CPUs and memory are `null` when their files are
 * missing. The machine id is left out on purpose: systemd asks that it be kept confidential.
 */
export const readMachine: Effect.Effect<MachineFacts, ConnectorFailed, HostFiles> = Effect.gen(function* () {
  const host = yield* HostFiles
  const hostname = yield* readHostname
  const osFiles = ["/etc/os-release", "/usr/lib/os-release"]
  const osRelease = yield* firstOf(osFiles)
  if (osRelease === undefined) {
    return yield* new ConnectorFailed({
      reason: `cannot find the OS release: none of ${osFiles.join(", ")} exists${host.root === "/" ? "" : ` under root ${host.root}`}`
    })
  }
  const os = parseOsRelease(osRelease.text)
  const read = (file: string) => host.readOptional(file).pipe(Effect.map(trimmed))
  const shell = yield* host.readBytes("/bin/sh")
  const architecture = (yield* read("/proc/sys/kernel/arch")) ?? (shell ? elfArchitecture(shell) : null)
  const cpuinfo = yield* host.readOptional("/proc/cpuinfo")
  const online = yield* host.readOptional("/sys/devices/system/cpu/online")
  const meminfo = yield* host.readOptional("/proc/meminfo")
  return {
    hostname,
    osId: os.ID ?? null,
    osName: os.NAME ?? null,
    osVersion: os.VERSION_ID ?? os.VERSION ?? null,
    osPrettyName: os.PRETTY_NAME ?? null,
    kernelName: yield* read("/proc/sys/kernel/ostype"),
    kernelRelease: yield* read("/proc/sys/kernel/osrelease"),
    kernelVersion: yield* read("/proc/sys/kernel/version"),
    architecture,
    cpuCount: (cpuinfo ? parseCpuCount(cpuinfo) : null) ?? (online ? parseCpuList(online) : null),
    memoryTotalBytes: meminfo ? parseMemTotal(meminfo) : null
  }
})

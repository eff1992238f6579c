import { existsSync, readFileSync, rmSync, statSync } from "node:fs"

/** What one measured process did. */
export interface Measured {
  readonly exitCode: number
  readonly wallMs: number
  /** Peak resident set size, in KiB. */
  readonly peakRssKiB: number
  readonly stdout: string
  readonly stderr: string
}

const GNU_TIME = "/usr/bin/time"

/** Whether GNU time (with `-v`) is installed; otherwise peak RSS is sampled from `/proc/<pid>/status`. */
export const hasGnuTime = ((): boolean => {
  if (!existsSync(GNU_TIME)) return false
  const probe = Bun.spawnSync([GNU_TIME, "-v", "true"], { stderr: "pipe" })
  return probe.stderr.toString().includes("Maximum resident set size")
})()

const vmHwmKiB = (pid: number): number => {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))
    return match ? Number(match[1]) : 0
  } catch {
    return 0
  }
}

/**
 * Runs `argv` to completion and measures its wall time (from spawn to exit, as seen by this process)
 * and peak RSS (GNU `time -v`'s maximum resident set size, or `/proc` VmHWM sampled every 20 ms).
 * `devNull`: standard output goes to /dev/null (as `> /dev/null` would send it), and `stdout` is empty.
 */
export const measure = async (
  argv: ReadonlyArray<string>,
  options: { readonly env?: Record<string, string>; readonly devNull?: boolean } = {}
): Promise<Measured> => {
  const timeFile = `${process.env.TMPDIR ?? "/tmp"}/parallax-bench-time-${process.pid}-${Date.now()}.txt`
  const command = hasGnuTime ? [GNU_TIME, "-v", "-o", timeFile, ...argv] : [...argv]
  const start = performance.now()
  const child = Bun.spawn(command, {
    stdout: options.devNull ? Bun.file("/dev/null") : "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", ...options.env }
  })
  let sampled = 0
  const sampler = hasGnuTime
    ? undefined
    : setInterval(() => {
        sampled = Math.max(sampled, vmHwmKiB(child.pid))
      }, 20)
  const [stdout, stderr, exitCode] = await Promise.all([
    child.stdout instanceof ReadableStream ? new Response(child.stdout).text() : "",
    new Response(child.stderr).text(),
    child.exited
  ])
  const wallMs = performance.now() - start
  if (sampler) clearInterval(sampler)
  let peakRssKiB = sampled
  if (hasGnuTime && existsSync(timeFile)) {
    const match = /Maximum resident set size \(kbytes\): (\d+)/.exec(readFileSync(timeFile, "utf8"))
    peakRssKiB = match ? Number(match[1]) : 0
    rmSync(timeFile, { force: true })
  }
  return { exitCode, wallMs, peakRssKiB, stdout, stderr }
}

/** The size of a SQLite store on disk: the database file plus its WAL (and shared-memory index), in bytes. */
export const storeBytes = (db: string): number =>
  [db, `${db}-wal`, `${db}-shm`].reduce((total, file) => total + (existsSync(file) ? statSync(file).size : 0), 0)

/** The median of a non-empty list of numbers. */
export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

/** The last JSON object printed on stdout (the CLI's `--json` result), or undefined. */
export const lastJson = (stdout: string): unknown => {
  const text = stdout.trim()
  try {
    return JSON.parse(text)
  } catch {
    // NDJSON or trailing output: try the last line that parses.
    const lines = text.split("\n").reverse()
    for (const line of lines) {
      try {
        return JSON.parse(line)
      } catch {}
    }
    return undefined
  }
}

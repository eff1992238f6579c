import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"

const root = resolve(import.meta.dir, "../../..")
let built: Promise<string> | undefined

/**
 * The real compiled `parallax` binary, built once per test run into a temporary directory (the same
 * `bun build --compile` as `npm run build`).
 */
export const binary = (): Promise<string> => {
  built ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "parallax-bin-"))
    const out = join(dir, "parallax")
    const build = Bun.spawn(
      [
        process.execPath,
        "build",
        "--compile",
        "--bytecode",
        "--minify-syntax",
        "--minify-whitespace",
        "src/bin.ts",
        "--outfile",
        out
      ],
      { cwd: root, stdout: "pipe", stderr: "pipe" }
    )
    if ((await build.exited) !== 0) throw new Error(`build failed: ${await new Response(build.stderr).text()}`)
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }))
    return out
  })()
  return built
}

export interface Ran {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs the binary as a user would, in `cwd`, with no terminal. */
export const parallax = async (
  args: ReadonlyArray<string>,
  options: { readonly cwd?: string; readonly env?: Record<string, string> } = {}
): Promise<Ran> => {
  const child = Bun.spawn([await binary(), ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NO_COLOR: "1", ...options.env },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore"
  })
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited
  ])
  return { code, stdout, stderr }
}

/** A fresh temporary directory outside the repository. */
export const tempDir = (prefix = "parallax-e2e-"): string => mkdtempSync(join(tmpdir(), prefix))

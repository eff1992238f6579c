import { readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { stripVTControlCharacters } from "node:util"
import { tempDir } from "../../support/TempDirs.ts"

const root = resolve(import.meta.dir, "../../..")
let built: Promise<string> | undefined

/**
 * The real compiled `parallax` binary, built once per test run into a temporary directory (removed after
 * the run) by the
 * very commands of `npm run build` (only the output path differs): the type declarations `init` embeds,
 * then the compiled binary.
 */
export const binary = (): Promise<string> => {
  built ??= (async () => {
    const dir = tempDir("parallax-bin-")
    const out = join(dir, "parallax")
    const script = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { scripts: { build: string } })
      .scripts.build
    const commands = script.split("&&").map((command) => command.trim().split(/\s+/))
    const compile = commands.at(-1) ?? []
    const at = compile.indexOf("--outfile")
    if (commands.some((command) => command[0] !== "bun") || compile[1] !== "build" || at < 0) {
      throw new Error(`unexpected build script: ${script}`)
    }
    compile[at + 1] = out
    for (const command of commands) {
      const build = Bun.spawn([process.execPath, ...command.slice(1)], { cwd: root, stdout: "pipe", stderr: "pipe" })
      if ((await build.exited) !== 0) throw new Error(`build failed: ${await new Response(build.stderr).text()}`)
    }
    return out
  })()
  return built
}

export interface Ran {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs `argv` to its end in `cwd` with `env`, no terminal and no standard input: its exit code and output. */
export const spawned = async (
  argv: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env?: Record<string, string | undefined> }
): Promise<Ran> => {
  const child = Bun.spawn([...argv], {
    cwd: options.cwd,
    ...(options.env === undefined ? {} : { env: options.env }),
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

/** Runs the binary as a user would, in `cwd`, with no terminal. */
export const parallax = async (
  args: ReadonlyArray<string>,
  options: { readonly cwd?: string; readonly env?: Record<string, string> } = {}
): Promise<Ran> =>
  spawned([await binary(), ...args], {
    cwd: options.cwd ?? tmpdir(),
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", NO_COLOR: "1", ...options.env }
  })

export { tempDir }

/** What a terminal showed when the command ended, line by line (scrollback included), and its exit code. */
export interface OnTerminal {
  readonly code: number
  readonly screen: ReadonlyArray<string>
  /** Everything written, without escape sequences: every frame the live progress drew. */
  readonly written: string
}

const shellQuote = (arg: string) => `'${arg.replace(/'/g, "'\\''")}'`

/**
 * Runs the binary in a pseudo-terminal of `cols` × `rows` (0 × 0: a terminal that reports no size, as
 * some CI runners do) made by util-linux `script`, and replays what it wrote through a terminal
 * emulator (80 × 24 for a size of 0), so the result is what a person would see.
 */
export const onTerminal = async (
  args: ReadonlyArray<string>,
  options: {
    readonly cols: number
    readonly rows: number
    readonly cwd?: string
    readonly env?: Record<string, string>
  }
): Promise<OnTerminal> => {
  const script = Bun.which("script")
  if (script === null)
    throw new Error("these tests need util-linux `script` for a pseudo-terminal (apt-get install bsdutils)")
  const { Terminal } = (await import("@xterm/headless")).default
  const command = `stty cols ${options.cols} rows ${options.rows}; exec ${[await binary(), ...args].map(shellQuote).join(" ")}`
  const child = Bun.spawn([script, "--quiet", "--flush", "--return", "--command", command, "/dev/null"], {
    cwd: options.cwd ?? tmpdir(),
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", TERM: "xterm-256color", ...options.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe"
  })
  const [output, code] = await Promise.all([new Response(child.stdout).bytes(), child.exited])
  const screen = new Terminal({
    cols: options.cols || 80,
    rows: options.rows || 24,
    scrollback: 10_000,
    allowProposedApi: true
  })
  await new Promise<void>((resolve) => screen.write(output, resolve))
  const buffer = screen.buffer.active
  const lines: Array<string> = []
  for (let index = 0; index < buffer.length; index++) lines.push(buffer.getLine(index)?.translateToString(true) ?? "")
  screen.dispose()
  return { code, screen: lines, written: stripVTControlCharacters(new TextDecoder().decode(output)) }
}

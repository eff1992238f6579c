/**
 * Start-up of the compiled binary against a hello-world compiled by the same Bun, in the same run:
 *
 *   bun bench/startup.ts                 # 21 rounds against dist/parallax (build it first)
 *   bun bench/startup.ts --rounds 51 --bin dist/parallax --json
 *
 * `npm run bench` runs the same measurement and puts its table in bench/RESULTS.md.
 */
import { dirname, resolve } from "node:path"
import { measureStartup, renderStartup } from "./lib/startup.ts"

const root = resolve(dirname(new URL(import.meta.url).pathname), "..")
const args = process.argv.slice(2)
const option = (name: string) => {
  const index = args.indexOf(`--${name}`)
  return index >= 0 ? args[index + 1] : undefined
}

const result = await measureStartup({
  root,
  binary: resolve(root, option("bin") ?? "dist/parallax"),
  rounds: Number(option("rounds") ?? 21),
  log: (message) => console.error(message)
})
console.log(args.includes("--json") ? JSON.stringify(result) : renderStartup(result).join("\n"))

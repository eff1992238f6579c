import { describe, expect, test } from "bun:test"
import { readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"

/**
 * The layers of src/ (DESIGN §6) and which way their imports point: a folder may import its own files
 * and the folders below it, never one above it; no file imports itself back through others. The public
 * entry points (`index.ts`, `runtime.ts`) and the composition root (`bin.ts`) sit on top. Connectors
 * import the SDK only as an outside author would (`parallax-connect`), and the harness only the public
 * entry points.
 */

const root = resolve(import.meta.dir, "..")
const LAYERS = ["model", "connector", "scheduler", "sync", "store", "cli"] as const
/** The public entry points sit above the drivers and below the command line (which hands the SDK to modules). */
const TOP: Readonly<Record<string, number>> = { "index.ts": 4.5, "runtime.ts": 4.5, "bin.ts": LAYERS.length }

const filesUnder = (dir: string): Array<string> =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? filesUnder(path) : /\.tsx?$/.test(name) ? [path] : []
  })

/** A file's code without its comments (examples in JSDoc are not imports). */
const code = (file: string): string =>
  readFileSync(file, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "")

/** Every relative import (static, `import type`, dynamic `import()`, re-export) of a file, resolved. */
const importsOf = (file: string): Array<string> => {
  const source = code(file)
  const specifiers = [...source.matchAll(/(?:from|import)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)].map(
    (m) => m[1] as string
  )
  return specifiers.map((specifier) => resolve(dirname(file), specifier))
}

const packageImportsOf = (file: string): Array<string> => {
  const source = code(file)
  return [...source.matchAll(/(?:from|import)\s*\(?\s*["']([^./"'][^"']*)["']/g)].map((m) => m[1] as string)
}

/** A file's rank: its layer's position, or the top for the entry points. */
const rankOf = (file: string): number | undefined => {
  const path = relative(join(root, "src"), file)
  if (path.startsWith("..")) return undefined
  const [first] = path.split("/")
  if (first !== undefined && first in TOP) return TOP[first]
  const layer = LAYERS.indexOf(first as (typeof LAYERS)[number])
  return layer < 0 ? undefined : layer
}

const src = filesUnder(join(root, "src"))

/** Imports that point up the layers, as `from -> to` (relative paths). */
export const upwardImports = (files: ReadonlyArray<string>, imports: (file: string) => ReadonlyArray<string>) =>
  files.flatMap((file) => {
    const from = rankOf(file)
    return imports(file)
      .filter((target) => {
        const to = rankOf(target)
        return from !== undefined && to !== undefined && to > from
      })
      .map((target) => `${relative(root, file)} -> ${relative(root, target)}`)
  })

/** Import cycles among `files`, each as the chain of files that closes it. */
export const cyclesOf = (files: ReadonlyArray<string>, imports: (file: string) => ReadonlyArray<string>) => {
  const known = new Set(files)
  const state = new Map<string, "open" | "done">()
  const cycles: Array<string> = []
  const visit = (file: string, path: Array<string>) => {
    if (state.get(file) === "done") return
    if (state.get(file) === "open") {
      cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(root, f)).join(" -> "))
      return
    }
    state.set(file, "open")
    for (const target of imports(file)) if (known.has(target)) visit(target, [...path, file])
    state.set(file, "done")
  }
  for (const file of files) visit(file, [])
  return cycles
}

describe("architecture", () => {
  test("every folder of src/ is one of the layers", () => {
    const folders = readdirSync(join(root, "src")).filter((name) => statSync(join(root, "src", name)).isDirectory())
    expect(folders.sort()).toEqual([...LAYERS].sort())
  })

  test(`imports point one way: ${LAYERS.join(" ← ")} (the public entry points below cli)`, () => {
    expect(upwardImports(src, importsOf)).toEqual([])
  })

  test("no import cycle among the files of src/", () => {
    expect(cyclesOf(src, importsOf)).toEqual([])
  })

  test("the checks catch an upward import and a cycle", () => {
    const model = join(root, "src/model/Ids.ts")
    const store = join(root, "src/store/sqlite/SqliteStore.ts")
    const fake = (edges: Record<string, ReadonlyArray<string>>) => (file: string) => edges[file] ?? []
    expect(upwardImports([model], fake({ [model]: [store] }))).toEqual([
      "src/model/Ids.ts -> src/store/sqlite/SqliteStore.ts"
    ])
    expect(cyclesOf([model, store], fake({ [model]: [store], [store]: [model] }))).toHaveLength(1)
  })

  test("connectors import the SDK as an outside author does, never src/ directly", () => {
    const offending = filesUnder(join(root, "connectors")).flatMap((file) =>
      importsOf(file).filter((target) => !relative(join(root, "connectors"), target).startsWith("..")).length ===
      importsOf(file).length
        ? []
        : [relative(root, file)]
    )
    expect(offending).toEqual([])
  })

  test("the harness imports the public entry points, never src/ directly", () => {
    const offending = filesUnder(join(root, "harness")).filter((file) =>
      importsOf(file).some((target) => relative(join(root, "harness"), target).startsWith(".."))
    )
    expect(offending.map((file) => relative(root, file))).toEqual([])
    const packages = new Set(filesUnder(join(root, "harness")).flatMap(packageImportsOf))
    expect([...packages].filter((name) => name.startsWith("parallax-connect")).sort()).toEqual([
      "parallax-connect",
      "parallax-connect/runtime"
    ])
  })
})

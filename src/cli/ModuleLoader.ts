import * as Platform from "@effect/platform"
import * as Effect from "effect"
import * as Sdk from "../index.ts"

/**
 * Lets an outside connector module import `parallax-connect`, `parallax-connect/harness`, `effect` (and
 * its `effect/<Module>` subpaths) and `@effect/platform` from any directory, with no node_modules next to it: a runtime Bun
 * plugin registers them as virtual modules that hand out the binary's own instances, so tags, schemas
 * and errors are the very ones the runtime uses (DESIGN §8). The only module that touches Bun's loader.
 */
let installed = false

const namespaces = (prefix: string, root: Record<string, unknown>) =>
  Object.entries(root)
    .filter(([name, value]) => /^[A-Z]/.test(name) && typeof value === "object" && value !== null)
    .map(([name, value]) => [`${prefix}/${name}`, value as Record<string, unknown>] as const)

export const installVirtualModules = (): void => {
  if (installed) return
  installed = true
  const modules: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
    ["parallax-connect", Sdk as unknown as Record<string, unknown>],
    ["effect", Effect as unknown as Record<string, unknown>],
    ...namespaces("effect", Effect as unknown as Record<string, unknown>),
    ["@effect/platform", Platform as unknown as Record<string, unknown>],
    ...namespaces("@effect/platform", Platform as unknown as Record<string, unknown>)
  ]
  Bun.plugin({
    name: "parallax-virtual-modules",
    setup(build) {
      for (const [specifier, exports] of modules) {
        build.module(specifier, () => ({ exports: { ...exports, default: exports }, loader: "object" }))
      }
      // The harness (and fast-check under it) is loaded only by a module that imports it.
      build.module("parallax-connect/harness", async () => {
        const harness = (await import("../../harness/index.ts")) as unknown as Record<string, unknown>
        return { exports: { ...harness, default: harness }, loader: "object" }
      })
    }
  })
}

/** Imports a module by absolute path, with the virtual modules installed. */
export const importModule = (path: string): Promise<Record<string, unknown>> => {
  installVirtualModules()
  return import(path) as Promise<Record<string, unknown>>
}

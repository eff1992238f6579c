/**
 * Lets an outside connector module import `parallax-connect`, `parallax-connect/runtime`,
 * `parallax-connect/harness`, `effect` (and
 * its `effect/<Module>` subpaths) and `@effect/platform` from any directory, with no node_modules next
 * to it: a runtime Bun plugin registers them as virtual modules that hand out the binary's own
 * instances, so tags, schemas and errors are the very ones the runtime uses (DESIGN §8). The only
 * module that touches Bun's loader.
 *
 * The namespaces are imported when the first outside module is: the modules only they reach (their own
 * chunks: the modules of `effect` and `@effect/platform` no command reaches) cost some 20 ms to evaluate,
 * which a command on a built-in connector must not pay at start-up. What they do cost every command: Bun's
 * bundler assigns whole files to chunks, so with every export of those namespaces kept, each module that a
 * command reaches by a static import is loaded whole (bench/lib/startup.ts measures that floor).
 */
let installed: Promise<void> | undefined

type Namespace = Record<string, unknown>

const namespaces = (prefix: string, root: Namespace) =>
  Object.entries(root)
    .filter(([name, value]) => /^[A-Z]/.test(name) && typeof value === "object" && value !== null)
    .map(([name, value]) => [`${prefix}/${name}`, value as Namespace] as const)

const install = async (): Promise<void> => {
  const [Effect, Platform, Sdk] = (await Promise.all([
    import("./virtual/Effect.ts"),
    import("./virtual/Platform.ts"),
    import("../index.ts")
  ])) as unknown as [Namespace, Namespace, Namespace]
  const modules: ReadonlyArray<readonly [string, Namespace]> = [
    ["parallax-connect", Sdk],
    ["effect", Effect],
    ...namespaces("effect", Effect),
    ["@effect/platform", Platform],
    ...namespaces("@effect/platform", Platform)
  ]
  Bun.plugin({
    name: "parallax-virtual-modules",
    setup(build) {
      for (const [specifier, exports] of modules) {
        build.module(specifier, () => ({ exports: { ...exports, default: exports }, loader: "object" }))
      }
      // The runtime (stores, sync) and the harness (and fast-check under it) are loaded only by a module
      // that imports them.
      build.module("parallax-connect/runtime", async () => {
        const runtime = (await import("../runtime.ts")) as unknown as Namespace
        return { exports: { ...runtime, default: runtime }, loader: "object" }
      })
      build.module("parallax-connect/harness", async () => {
        const harness = (await import("../../harness/index.ts")) as unknown as Namespace
        return { exports: { ...harness, default: harness }, loader: "object" }
      })
    }
  })
}

/** Registers the virtual modules (once). */
export const installVirtualModules = (): Promise<void> => {
  installed ??= install()
  return installed
}

/** Imports a module by absolute path, with the virtual modules installed. */
export const importModule = async (path: string): Promise<Record<string, unknown>> => {
  await installVirtualModules()
  return (await import(path)) as Record<string, unknown>
}

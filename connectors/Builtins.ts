import type { Connector } from "parallax-connect"

// biome-ignore lint/suspicious/noExplicitAny: a registry holds connectors of every config and service type
type AnyConnector = Connector<any, any>

/** A built-in connector by name, its module imported only when a command needs it. */
export interface BuiltinConnector {
  readonly name: string
  readonly load: () => Promise<AnyConnector>
}

const entry = (name: string, load: () => Promise<unknown>): BuiltinConnector => ({
  name,
  load: () => load() as Promise<AnyConnector>
})

/**
 * The built-in connectors for the command line, loaded lazily: `parallax plan synthetic` imports the
 * synthetic connector alone (its definition, not its harness setup and the fast-check generators under
 * it), and `parallax stats` none at all. The same connectors as `index.ts` (which loads them all, with
 * their harness setups, for `parallax check` and the tests).
 */
export const builtins: ReadonlyArray<BuiltinConnector> = [
  entry("bench", () => import("./bench/index.ts").then((module) => module.bench)),
  entry("synthetic", () => import("./synthetic/Synthetic.ts").then((module) => module.synthetic)),
  entry("host", () => import("./host/Host.ts").then((module) => module.host)),
  entry("github", () => import("./github/GitHub.ts").then((module) => module.github))
]

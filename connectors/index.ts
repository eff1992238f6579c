import type { Connector } from "parallax-connect"
import type { HarnessSetup } from "parallax-connect/harness"
import { bench, harness as benchHarness } from "./bench/index.ts"
import { github, harness as githubHarness } from "./github/index.ts"
import { host, harness as hostHarness } from "./host/index.ts"
import { synthetic, harness as syntheticHarness } from "./synthetic/index.ts"

// biome-ignore lint/suspicious/noExplicitAny: a registry holds connectors of every config and service type
type AnyConnector = Connector<any, any>
// biome-ignore lint/suspicious/noExplicitAny: a registry holds setups of every service and source type
type AnySetup = HarnessSetup<any, any>

/**
 * The built-in connectors, by name. Each lives in its own folder and imports the SDK exactly as an
 * outside author would (`parallax-connect`).
 */
export const builtinConnectors: ReadonlyArray<AnyConnector> = [
  bench as unknown as AnyConnector,
  synthetic as unknown as AnyConnector,
  host as unknown as AnyConnector,
  github as unknown as AnyConnector
]

/** How `parallax check` generates source data for each built-in connector, by name (every one has a setup). */
export const builtinHarness: Readonly<Record<string, AnySetup>> = {
  bench: benchHarness as AnySetup,
  synthetic: syntheticHarness as AnySetup,
  host: hostHarness as AnySetup,
  github: githubHarness as AnySetup
}

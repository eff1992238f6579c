import type { Connector } from "parallax-connect"

/**
 * The built-in connectors, by name. Each lives in its own folder and imports the SDK exactly as an
 * outside author would (`parallax-connect`).
 */
// biome-ignore lint/suspicious/noExplicitAny: a registry holds connectors of every config and service type
export const builtinConnectors: ReadonlyArray<Connector<any, any>> = []

/** The `host` connector and how `parallax check host` generates machines for it. */

export { HostConfig } from "./Config.ts"
export { harness } from "./Harness.ts"
export { host, host as default, TYPES } from "./Host.ts"

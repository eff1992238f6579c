/** The `host` connector and how `parallax check host` generates machines for it. */

export { harness } from "./Harness.ts"
export { HostConfig, host, host as default, TYPES } from "./Host.ts"

/** The `github` connector and how `parallax check github` serves generated organisations to it. */
export { github, github as default, TYPES } from "./GitHub.ts"
export { harness } from "./Harness.ts"

/** The `synthetic` connector and how `parallax check synthetic` varies its inventories. */

export { harness } from "./Harness.ts"
export { synthetic, synthetic as default } from "./Synthetic.ts"

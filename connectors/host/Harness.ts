import type { HarnessSetup } from "parallax-connect/harness"
import type { HostFiles } from "./HostFiles.ts"
import { type HostTree, hostTreeArbitrary, render } from "./testing/HostTree.ts"
import { memoryLayer } from "./testing/MemoryHostFiles.ts"

/** How `parallax check host` varies the source: generated machines, served from memory. */
export const harness: HarnessSetup<HostFiles, HostTree> = {
  sources: hostTreeArbitrary,
  layerFor: (tree) => memoryLayer(render(tree))
}

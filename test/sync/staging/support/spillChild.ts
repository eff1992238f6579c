/**
 * A process holding a spill directory, for test/sync/staging/SpillDir.test.ts: makes one under the parent
 * given as its argument, prints its path, and waits until it is killed.
 */
import { makeSpillDir } from "../../../../src/sync/staging/SpillDir.ts"

const parent = process.argv[2]
if (parent === undefined) throw new Error("usage: spillChild.ts PARENT")
const dir = makeSpillDir(parent)
console.log(dir.path)
setInterval(() => {}, 1 << 30)

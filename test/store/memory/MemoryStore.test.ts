import * as MemoryStore from "../../../src/store/memory/MemoryStore.ts"
import { storeContract } from "../StoreContract.ts"

storeContract("memory", (options) => MemoryStore.layerWith({ testing: options?.testing ?? {}, lockTimeoutMs: 60_000 }))

import { describe, expect, test } from "bun:test"
import { builtins } from "../../connectors/Builtins.ts"
import { builtinConnectors } from "../../connectors/index.ts"

describe("the command line's lazy registry of built-in connectors", () => {
  test("names the same connectors as connectors/index.ts, in order, and loads the same definitions", async () => {
    expect(builtins.map((builtin) => builtin.name)).toEqual(builtinConnectors.map((connector) => connector.name))
    for (const builtin of builtins) {
      expect(await builtin.load()).toBe(builtinConnectors.find((connector) => connector.name === builtin.name)!)
    }
  })
})

import { describe, expect, test } from "bun:test"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { documentConnector } from "parallax-connect"
import { builtinConnectors } from "../../connectors/index.ts"

describe("docs/connectors/<name>.md", () => {
  for (const connector of builtinConnectors) {
    test(`${connector.name}.md is what \`parallax document ${connector.name}\` prints (else: npm run docs:connectors)`, () => {
      const file = join(import.meta.dir, "..", "..", "docs", "connectors", `${connector.name}.md`)
      expect(readFileSync(file, "utf8")).toBe(documentConnector(connector))
    })
  }
})

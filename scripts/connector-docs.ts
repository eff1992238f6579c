/**
 * Writes the built-in connectors' documents, `docs/connectors/<name>.md`, as `parallax document <name>`
 * prints them. `test/connectors/Docs.test.ts` fails when one is not current.
 *
 *   npm run docs:connectors
 */
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { builtinConnectors } from "../connectors/index.ts"
import { documentConnector } from "../src/connector/Document.ts"

for (const connector of builtinConnectors) {
  const file = join(import.meta.dir, "..", "docs", "connectors", `${connector.name}.md`)
  writeFileSync(file, documentConnector(connector))
  console.log(`wrote ${file}`)
}

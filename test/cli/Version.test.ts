import { expect, test } from "bun:test"
import { readFileSync } from "node:fs"
import { resolve } from "node:path"
import { VERSION } from "../../src/cli/Version.ts"

test("the version parallax prints is the package's", () => {
  const pkg = JSON.parse(readFileSync(resolve(import.meta.dir, "../../package.json"), "utf8")) as { version: string }
  expect(VERSION).toBe(pkg.version)
})

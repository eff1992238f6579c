import { expect, test } from "bun:test"

/**
 * The modules handed to outside connector modules are listed by subpath (src/cli/virtual): each must
 * export exactly what its package's barrel does, the very same objects.
 */
/**
 * A package's barrel imported by its resolved file: in the same process, a test that loaded an outside
 * connector has registered `effect` and `@effect/platform` as virtual modules (built from these very lists).
 */
const barrelOf = (name: string) => import(Bun.resolveSync(name, import.meta.dir))

const sameExports = (listed: Record<string, unknown>, barrel: Record<string, unknown>) => {
  expect(Object.keys(listed).sort()).toEqual(Object.keys(barrel).sort())
  for (const [name, value] of Object.entries(barrel)) expect(listed[name]).toBe(value)
}

test("src/cli/virtual/Effect.ts is the effect barrel", async () => {
  sameExports(await import("../../../src/cli/virtual/Effect.ts"), await barrelOf("effect"))
})

test("src/cli/virtual/Platform.ts is the @effect/platform barrel", async () => {
  sameExports(await import("../../../src/cli/virtual/Platform.ts"), await barrelOf("@effect/platform"))
})

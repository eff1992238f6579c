import { ParseResult, Schema } from "effect"

const UNITS: Readonly<Record<string, number>> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3
}

/** The bytes a text such as `1048576`, `512KiB` or `64 MiB` says (units are powers of 1024), if any. */
const parseBytes = (text: string): number | undefined => {
  const match = /^\s*(\d+)\s*([a-z]*)\s*$/i.exec(text)
  const unit = UNITS[(match?.[2] ?? "").toLowerCase()]
  return match?.[1] === undefined || unit === undefined ? undefined : Number(match[1]) * unit
}

/** A positive whole number of bytes, given as a number or as text with an optional unit (`64MiB`). */
export const ByteSize = Schema.transformOrFail(Schema.Union(Schema.Number, Schema.String), Schema.Number, {
  strict: true,
  decode: (input, _, ast) => {
    const bytes = typeof input === "number" ? input : parseBytes(input)
    return bytes !== undefined && Number.isSafeInteger(bytes) && bytes > 0
      ? ParseResult.succeed(bytes)
      : ParseResult.fail(
          new ParseResult.Type(
            ast,
            input,
            `expected a whole number of bytes above 0, or one with a unit (512KiB, 64MiB, 1GiB), got ${JSON.stringify(input)}`
          )
        )
  },
  encode: (bytes) => ParseResult.succeed(bytes)
})

/** A byte count as people read it: `512 bytes`, `2.1 KiB`, `64 MiB`, `1.5 GiB`. */
export const formatBytes = (bytes: number): string => {
  for (const [unit, size] of [
    ["GiB", 1024 ** 3],
    ["MiB", 1024 ** 2],
    ["KiB", 1024]
  ] as const) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))} ${unit}`
  }
  return `${bytes} bytes`
}

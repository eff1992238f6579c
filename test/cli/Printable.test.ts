import { describe, expect, test } from "bun:test"
import { stripVTControlCharacters } from "node:util"
import { escapeJsonControls, jsonLine, printable, printableLines, stripAnsi } from "../../src/cli/Printable.ts"

/** Any raw control character. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: raw control characters are what the test looks for
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/

describe("printable text", () => {
  test("every C0 control, DEL and C1 control is escaped; printable text and backslashes are kept", () => {
    expect(printable("a\nb\r\tc")).toBe(String.raw`a\nb\r\tc`)
    expect(printable("\u0000\u0007\u001b[2J\u007f\u0085\u009b")).toBe(String.raw`\x00\x07\x1b[2J\x7f\x85\x9b`)
    expect(printable(String.raw`C:\path é ✓ 𝄞`)).toBe(String.raw`C:\path é ✓ 𝄞`)
    for (let code = 0; code < 0x2000; code++) {
      const shown = printable(String.fromCharCode(code))
      expect(shown).not.toMatch(CONTROL)
    }
  })

  test("printableLines keeps line breaks only", () => {
    expect(printableLines("one\ntwo\u001b[31m\r")).toBe(String.raw`one
two\x1b[31m\r`)
  })

  test("JSON lines escape C1 controls too and parse back to the same text", () => {
    const value = { message: "a\u0085b\u009b\u001b\n" }
    const line = jsonLine(value)
    expect(line).not.toMatch(CONTROL)
    expect(JSON.parse(line)).toEqual(value)
    expect(JSON.parse(escapeJsonControls(JSON.stringify(value)))).toEqual(value)
  })
})

test("stripAnsi removes what Node's stripVTControlCharacters does", () => {
  const samples = [
    "\u001b[31mred\u001b[0m and \u001b[1;32mbold green\u001b[39m",
    "\u001b]8;;https://example.com\u0007link\u001b]8;;\u0007",
    "cursor \u001b[2J\u001b[H home, \u009b31m C1",
    "plain text, a \\ backslash"
  ]
  for (const sample of samples) expect(stripAnsi(sample)).toBe(stripVTControlCharacters(sample))
})

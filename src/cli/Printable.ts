/**
 * Text from outside parallax (an `--account`, a collected key or display name, a server's error message)
 * made safe for a terminal and for line-oriented logs: every control character is shown as an escape
 * (`\n`, `\r`, `\t`, `\x1b`, `\x9b`, ...) instead of being written raw, so it can neither move the cursor,
 * recolour or clear the screen, nor start a forged line. Printable text, backslashes included, is kept.
 */

/** C0 controls, DEL and the C1 controls (U+0080–U+009F: `\x9b` is a one-character CSI on some terminals). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this module's job
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is this module's job
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g

const NAMED: Readonly<Record<string, string>> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" }

const escaped = (char: string): string => NAMED[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`

/**
 * `text` on one line with every control character escaped: a newline becomes the two characters `\n`,
 * an ESC the four characters `\x1b`.
 */
export const printable = (text: string): string => text.replace(CONTROL, escaped)

/** Like `printable`, but line breaks stay: for a message that is several lines by design. */
export const printableLines = (text: string): string => text.replace(CONTROL_BUT_NEWLINE, escaped)

/** Escapes the C1 controls of text that is already JSON (`JSON.stringify` leaves U+007F–U+009F raw). */
export const escapeJsonControls = (json: string): string =>
  json.replace(/[\u007f-\u009f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`)

/** `value` as one JSON line, every control character escaped. */
export const jsonLine = (value: unknown): string => escapeJsonControls(JSON.stringify(value))

/**
 * ANSI escape sequences (SGR colours, cursor moves, OSC hyperlinks): the pattern of Node's
 * `util.stripVTControlCharacters`, whose module costs milliseconds to load at start-up.
 */
const ANSI = new RegExp(
  "[\\u001B\\u009B][[\\]()#;?]*(?:(?:(?:(?:;[-a-zA-Z\\d\\/\\#&.:=?%@~_]+)*|[a-zA-Z\\d]+(?:;[-a-zA-Z\\d\\/\\#&.:=?%@~_]*)*)?" +
    "(?:\\u0007|\\u001B\\u005C|\\u009C))|(?:(?:\\d{1,4}(?:;\\d{0,4})*)?[\\dA-PR-TZcf-nq-uy=><~]))",
  "g"
)

/** `text` without ANSI escape sequences (colours, for output that is not a terminal or under `NO_COLOR`). */
export const stripAnsi = (text: string): string => text.replace(ANSI, "")

/** `count` and the noun in the number it takes: `1 entity`, `2 entities`, `0 relationships`. */
export const counted = (count: number, singular: string, plural = `${singular}s`): string =>
  `${count} ${count === 1 ? singular : plural}`

/** `counted` for a step's or a page's entities and relationships: `1 entity, 2 relationships`. */
export const objectCounts = (entities: number, relationships: number): string =>
  `${counted(entities, "entity", "entities")}, ${counted(relationships, "relationship")}`

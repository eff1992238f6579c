import { Effect, Either, Redacted } from "effect"
import fc from "fast-check"
import { Connector } from "parallax-connect"
import type { Target } from "./Trial.ts"

/** A `Redacted` value found in a decoded config, with where it sits. */
export interface Secret {
  readonly path: ReadonlyArray<string | number>
  readonly value: string
}

/** Every `Redacted` string inside a decoded config. */
export const findSecrets = (value: unknown, path: ReadonlyArray<string | number> = []): ReadonlyArray<Secret> => {
  if (Redacted.isRedacted(value)) {
    const inner = Redacted.value(value)
    return typeof inner === "string" ? [{ path, value: inner }] : []
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => findSecrets(item, [...path, index]))
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.entries(value).flatMap(([key, item]) => findSecrets(item, [...path, key]))
  }
  return []
}

const setAt = (root: unknown, path: ReadonlyArray<string | number>, value: string): unknown => {
  if (path.length === 0) return value
  const [head, ...rest] = path as [string | number, ...Array<string | number>]
  const container: Record<string | number, unknown> = Array.isArray(root)
    ? ([...root] as unknown as Record<number, unknown>)
    : { ...(root as Record<string, unknown>) }
  container[head] = setAt(container[head], rest, value)
  return container
}

/** The decoded config of `raw`, or undefined when it does not decode. */
export const decoded = (target: Target<unknown>, raw: unknown): unknown =>
  Effect.runSync(
    Effect.either(Connector.decodeConfig(target.connector, raw ?? {})).pipe(Effect.map(Either.getOrUndefined))
  )

/**
 * The raw config with every secret replaced by a generated token, and the tokens to look for (trimmed).
 * The tokens need not be valid for the connector's schema: a rejected secret must not leak through the
 * configuration error either.
 */
export const plantSecrets = (
  target: Target<unknown>,
  raw: unknown,
  tokens: ReadonlyArray<string>
): { readonly config: unknown; readonly secrets: ReadonlyArray<string> } => {
  const original = findSecrets(decoded(target, raw))
  let planted: unknown = raw ?? {}
  const secrets: Array<string> = []
  original.forEach((secret, index) => {
    const token = tokens[index % tokens.length] ?? `pxsecret${index}`
    const unique = index < tokens.length ? token : `${token}${index}`
    planted = setAt(planted, secret.path, unique)
    secrets.push(unique.trim())
  })
  return { config: planted, secrets }
}

/**
 * Secret tokens of several shapes: ordinary, too short for most validators, padded with spaces, and with
 * characters that URL encoding changes (so a token in a query string is found in its encoded form).
 */
export const secretTokens = fc.array(
  fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9]{16}$/).map((core) => `pxsecret${core}`),
    fc.stringMatching(/^[A-Za-z0-9]{4}$/).map((core) => `px${core}`),
    fc.stringMatching(/^[A-Za-z0-9]{10}$/).map((core) => ` px${core} `),
    fc.stringMatching(/^[A-Za-z0-9]{8}$/).map((core) => `px/${core}+=&`)
  ),
  { minLength: 1, maxLength: 3 }
)

/** Why the secrets property has nothing to check, judging by one sample config. */
export const noSecretsReason = (target: Target<unknown>): string | undefined => {
  const source = target.sources === undefined ? undefined : fc.sample(target.sources, { numRuns: 1, seed: 1 })[0]
  const raw = target.configFor(source)
  const config = decoded(target, raw)
  if (config === undefined) return "the configuration does not decode (pass `config` or `configFor`)"
  return findSecrets(config).length === 0
    ? "the config has no Redacted fields, so there is no secret to leak"
    : undefined
}

/** One way a secret can be written out: its name and the text to look for. */
export interface SecretForm {
  readonly encoding: string
  readonly text: string
}

const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text)

const base64 = (bytes: Uint8Array): string => {
  let binary = ""
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/**
 * The base64 characters that only the secret's bytes decide, when the secret starts at byte offset
 * `shift` (0, 1 or 2) of a 3-byte group: `Basic base64("user:" + token)` holds one of the three.
 */
const base64Core = (bytes: Uint8Array, shift: number): string => {
  const padded = new Uint8Array(shift + bytes.length)
  padded.set(bytes, shift)
  const first = Math.ceil((8 * shift) / 6)
  const end = Math.floor((8 * (shift + bytes.length)) / 6)
  return base64(padded).slice(first, end)
}

/** The shortest encoded core still worth looking for (shorter ones match by chance). */
const MIN_CORE = 6

/**
 * Every form of `secret` the property looks for: as is, base64 (standard and URL-safe, at each of the
 * three alignments, so also inside a longer encoded text), URL-encoded (percent escapes in either case,
 * and with `+` for spaces) and hex (either case). Forms equal to one already listed are dropped.
 */
export const secretForms = (secret: string): ReadonlyArray<SecretForm> => {
  const bytes = bytesOf(secret)
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("")
  const uri = encodeURIComponent(secret)
  const forms: Array<SecretForm> = [{ encoding: "plain", text: secret }]
  for (const shift of [0, 1, 2]) {
    const core = base64Core(bytes, shift)
    if (core.length < MIN_CORE) continue
    forms.push({ encoding: "base64", text: core })
    forms.push({ encoding: "base64url", text: core.replace(/\+/g, "-").replace(/\//g, "_") })
  }
  forms.push(
    { encoding: "URL-encoded", text: uri },
    { encoding: "URL-encoded", text: uri.replace(/%[0-9A-F]{2}/g, (percent) => percent.toLowerCase()) },
    { encoding: "form-encoded", text: new URLSearchParams({ k: secret }).toString().slice(2) },
    { encoding: "hex", text: hex },
    { encoding: "hex", text: hex.toUpperCase() }
  )
  const seen = new Set<string>()
  return forms.filter((form) => {
    if (seen.has(form.text)) return false
    seen.add(form.text)
    return true
  })
}

/**
 * The lines of `text` that hold `secret` in any of its forms, each with the form named and the secret
 * masked, so the report itself leaks nothing real.
 */
export const leakSites = (text: string, secret: string): ReadonlyArray<string> =>
  secretForms(secret).flatMap((form) =>
    text
      .split("\n")
      .filter((line) => line.includes(form.text))
      .map((line) => {
        const at = line.indexOf(form.text)
        const excerpt = line.slice(Math.max(0, at - 80), at + form.text.length + 40)
        const masked = excerpt.split(form.text).join("«secret»")
        return form.encoding === "plain" ? masked : `(${form.encoding}) ${masked}`
      })
  )

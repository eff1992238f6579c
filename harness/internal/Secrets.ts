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

/** Secret tokens of several shapes: ordinary, too short for most validators, padded with spaces. */
export const secretTokens = fc.array(
  fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9]{16}$/).map((core) => `pxsecret${core}`),
    fc.stringMatching(/^[A-Za-z0-9]{4}$/).map((core) => `px${core}`),
    fc.stringMatching(/^[A-Za-z0-9]{10}$/).map((core) => ` px${core} `)
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

/** The lines of `text` that hold `secret`, with the secret masked so the report itself leaks nothing real. */
export const leakSites = (text: string, secret: string): ReadonlyArray<string> =>
  text
    .split("\n")
    .filter((line) => line.includes(secret))
    .map((line) => {
      const at = line.indexOf(secret)
      const excerpt = line.slice(Math.max(0, at - 80), at + secret.length + 40)
      return excerpt.split(secret).join("«secret»")
    })

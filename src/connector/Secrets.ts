import { Cause, Effect, FiberRef, HashMap, HashSet, Logger, Redacted } from "effect"

/**
 * Masking of a connector's secrets (C12) where text leaves connector code: a step's or discovery's error,
 * and what it logs. A server that echoes the `Authorization` header in a 401 body must not put the token
 * into a terminal, a log collector or the store. The harness's `secrets` property checks the same
 * invariant with its own list of forms (harness/internal/Secrets.ts), so that the two stay independent.
 */

/** What a secret is replaced with. */
export const REDACTED = "<redacted>"

/**
 * Secrets shorter than this are not searched for inside text: hiding a two-letter value wherever it
 * occurs would garble every message and, by what went missing, give the value away.
 */
const MIN_SECRET = 4
/** Encoded fragments shorter than this match ordinary text by chance. */
const MIN_ENCODED = 6

/** The text of every `Redacted` value in a decoded config, at any depth (arrays, structs, classes). */
export const secretsOf = (config: unknown): ReadonlyArray<string> => {
  const found: Array<string> = []
  const seen = new Set<object>()
  const visit = (value: unknown, depth: number): void => {
    if (Redacted.isRedacted(value)) {
      const inner = Redacted.value(value)
      found.push(typeof inner === "string" ? inner : String(inner))
      return
    }
    if (typeof value !== "object" || value === null || seen.has(value) || depth > 16) return
    seen.add(value)
    for (const item of Array.isArray(value) ? value : Object.values(value)) visit(item, depth + 1)
  }
  visit(config, 0)
  return found
}

const base64 = (bytes: Uint8Array): string => {
  let binary = ""
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}

/**
 * The base64 characters that only the secret decides, for each of the three offsets it may start at in
 * a longer encoded text (`Basic base64("user:" + token)`), standard and URL-safe.
 */
const base64Forms = (bytes: Uint8Array): ReadonlyArray<string> =>
  [0, 1, 2].flatMap((offset) => {
    const padded = new Uint8Array(offset + bytes.length)
    padded.set(bytes, offset)
    const core = base64(padded).slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6))
    return core.length < MIN_ENCODED ? [] : [core, core.replace(/\+/g, "-").replace(/\//g, "_")]
  })

/**
 * Every way `secret` may be written into a message: as is (so also inside `Bearer <secret>` and
 * `token <secret>`), trimmed, JSON-escaped (a response body quoted whole), URL- and form-encoded, base64
 * (also inside a longer base64 text such as a Basic credential) and hex.
 */
const formsOf = (secret: string): ReadonlyArray<string> =>
  [...new Set([secret, secret.trim()])]
    .filter((text) => text.length >= MIN_SECRET)
    .flatMap((text) => {
      const bytes = new TextEncoder().encode(text)
      const uri = encodeURIComponent(text)
      const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("")
      return [
        text,
        JSON.stringify(text).slice(1, -1),
        uri,
        uri.replace(/%[0-9A-F]{2}/g, (percent) => percent.toLowerCase()),
        new URLSearchParams({ k: text }).toString().slice(2),
        ...base64Forms(bytes),
        hex,
        hex.toUpperCase()
      ]
    })

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** Replaces secrets in text and in the values that carry text (errors, log messages). */
export interface SecretMask {
  /** Whether there is anything to mask (a config without secrets masks nothing and costs nothing). */
  readonly active: boolean
  /** `text` with every form of every secret replaced by `<redacted>`. */
  readonly text: (text: string) => string
  /**
   * A value with its secrets masked: strings, and the strings inside errors (their fields, message,
   * stack and cause), arrays and plain objects. The value itself when it held none.
   */
  readonly value: <A>(value: A) => A
  /** Runs `effect` with every message, annotation and cause it logs masked. */
  readonly logging: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

/** The mask of a decoded config's `Redacted` values. */
export const maskSecrets = (config: unknown): SecretMask => {
  const forms = [...new Set(secretsOf(config).flatMap((secret) => formsOf(secret)))]
  if (forms.length === 0) {
    return { active: false, text: (text) => text, value: (value) => value, logging: (effect) => effect }
  }
  const pattern = new RegExp(
    forms
      .sort((a, b) => b.length - a.length)
      .map((form) => escapeRegExp(form))
      .join("|"),
    "g"
  )
  const text = (input: string) => input.replace(pattern, REDACTED)

  const value = <A>(input: A, seen: Map<object, unknown> = new Map()): A => {
    if (typeof input === "string") return text(input) as A
    if (typeof input !== "object" || input === null || Redacted.isRedacted(input)) return input
    const prototype = Object.getPrototypeOf(input)
    const copyable =
      input instanceof Error || Array.isArray(input) || prototype === Object.prototype || prototype === null
    if (!copyable) return input
    const known = seen.get(input)
    if (known !== undefined) return known as A
    const copy = Array.isArray(input) ? [] : Object.create(prototype)
    seen.set(input, copy)
    let changed = false
    for (const key of Reflect.ownKeys(input)) {
      const descriptor = Object.getOwnPropertyDescriptor(input, key) as PropertyDescriptor
      if ("value" in descriptor) {
        const masked = value(descriptor.value, seen)
        changed ||= masked !== descriptor.value
        descriptor.value = masked
      }
      Object.defineProperty(copy, key, descriptor)
    }
    return changed ? (copy as A) : input
  }

  const cause = (input: Cause.Cause<unknown>): Cause.Cause<unknown> =>
    Cause.isEmpty(input)
      ? input
      : Cause.match(input, {
          onEmpty: Cause.empty,
          onFail: (error) => Cause.fail(value(error)),
          onDie: (defect) => Cause.die(value(defect)),
          onInterrupt: (fiberId) => Cause.interrupt(fiberId),
          onSequential: (left, right) => Cause.sequential(left, right),
          onParallel: (left, right) => Cause.parallel(left, right)
        })

  const masking = <M, O>(logger: Logger.Logger<M, O>): Logger.Logger<M, O> =>
    Logger.mapInputOptions(logger, (options) => ({
      ...options,
      message: value(options.message),
      annotations: HashMap.map(options.annotations, (annotation) => value(annotation)),
      cause: cause(options.cause)
    }))

  return {
    active: true,
    text,
    value: (input) => value(input),
    logging: (effect) =>
      Effect.locallyWith(effect, FiberRef.currentLoggers, (loggers) =>
        HashSet.map(loggers, (logger) => masking(logger))
      )
  }
}

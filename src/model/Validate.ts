import { ValidationFailed } from "./Errors.ts"
import type { Properties, PropertyValue } from "./Ids.ts"

export const TYPE_PATTERN = /^[a-z][a-z0-9_]*$/
export const VERB_PATTERN = /^[A-Z][A-Z0-9_]*$/

/**
 * Sets an own, enumerable property, even one named `__proto__` (a plain assignment would change the
 * object's prototype instead and the property would silently vanish).
 */
export const setOwn = <A>(target: Record<string, A>, name: string, value: A): void => {
  if (name === "__proto__")
    Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true })
  else target[name] = value
}

/** What a value is, for an error about a field that must be a string: `a number (42)`, `an object`. */
const kindOf = (value: unknown): string => {
  if (value === null) return "null"
  if (Array.isArray(value)) return "an array"
  switch (typeof value) {
    case "number":
    case "boolean":
      return `a ${typeof value} (${String(value)})`
    case "object":
      return "an object"
    case "undefined":
      return "undefined"
    default:
      return `a ${typeof value}`
  }
}

/**
 * Why `value`, the field `field` of an emitted object (`class`, `displayName`, ...), is not a string (or
 * is an empty one where `nonEmpty`); `undefined` when it is fine. Nothing but a string is ever stored as
 * one: a number would be kept as text, an object would fail the whole commit.
 */
export const notAString = (field: string, value: unknown, nonEmpty: boolean): string | undefined => {
  if (typeof value !== "string") return `${field} must be a string, got ${kindOf(value)}`
  return nonEmpty && value.length === 0 ? `${field} must be a non-empty string` : undefined
}

const describe = (value: unknown): string => {
  if (value === undefined) return "undefined"
  if (typeof value === "number") return String(value)
  if (typeof value === "bigint") return "a bigint"
  if (typeof value === "function") return "a function"
  if (typeof value === "symbol") return "a symbol"
  if (Array.isArray(value)) return "an array with a non-string element"
  return "a nested object"
}

const isFlat = (value: unknown): value is PropertyValue => {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true
    case "number":
      return Number.isFinite(value)
    case "object": {
      if (value === null) return true
      if (!Array.isArray(value)) return false
      for (let index = 0; index < value.length; index++) if (typeof value[index] !== "string") return false
      return true
    }
    default:
      return false
  }
}

/**
 * Sorts property names in place by UTF-16 code units, as `Array.prototype.sort` does: an insertion sort for
 * the few names objects usually have (the built-in sort costs more than the rest of the check there).
 */
const insertionSort = (names: Array<string>): void => {
  for (let at = 1; at < names.length; at++) {
    const name = names[at] as string
    let before = at - 1
    while (before >= 0 && (names[before] as string) > name) {
      names[before + 1] = names[before] as string
      before--
    }
    names[before + 1] = name
  }
}

/**
 * The last few sequences of property names seen and their sorted order: a connector builds most of its
 * objects with the same names in the same order, so sorting is mostly a few string identity checks.
 */
const SHAPES = 8
const shapeNames: Array<ReadonlyArray<string> | undefined> = new Array(SHAPES)
const shapeSorted: Array<ReadonlyArray<string>> = new Array(SHAPES)
let shapeNext = 0

const sameNames = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean => {
  if (a.length !== b.length) return false
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false
  return true
}

/** Whether each shape's names came in sorted order already, beside `shapeSorted`. */
const shapeInOrder: Array<boolean> = new Array(SHAPES)

/** Whether the names of the last `sortedNames` call were in sorted order already. */
let lastInOrder = false

/**
 * `names` (as `Object.keys` gave them) in sorted order: a cached order, or a sorted copy. Whether they
 * were in order already is left in `lastInOrder`.
 */
const sortedNames = (names: ReadonlyArray<string>): ReadonlyArray<string> => {
  for (let index = 0; index < SHAPES; index++) {
    const seen = shapeNames[index]
    if (seen !== undefined && sameNames(seen, names)) {
      lastInOrder = shapeInOrder[index] as boolean
      return shapeSorted[index] as ReadonlyArray<string>
    }
  }
  const sorted = names.slice()
  if (sorted.length > 24) sorted.sort()
  else insertionSort(sorted)
  lastInOrder = sameNames(sorted, names)
  if (names.length <= 64) {
    shapeNames[shapeNext] = names
    shapeSorted[shapeNext] = sorted
    shapeInOrder[shapeNext] = lastInOrder
    shapeNext = (shapeNext + 1) % SHAPES
  }
  return sorted
}

/** The properties of an object emitted without any: one shared, frozen, empty object. */
export const NO_PROPERTIES: Properties = Object.freeze({})

/**
 * Checks that every property is flat (string, finite number, boolean, null, array of strings) and
 * returns them with their keys in sorted order, so that later changes to the builder (or to an array it
 * was given) cannot alter what was emitted and `JSON.stringify(result)` is the canonical properties JSON
 * (see `canonicalProperties`). Arrays are copied, not frozen: `JSON.stringify` of a frozen array takes
 * a much slower path.
 *
 * The result is a sorted copy, unless `properties` is `owned` (an object only the builder holds, which
 * it will copy before it changes it again) and its keys are in sorted order already: then arrays are
 * replaced by copies in place and the same object is returned, saving an object per emit (builders put
 * a whole `properties({...})` in sorted order). `sorted`, when the builder has them, are the names in the
 * order the object holds them, sorted (what `setAll` returned): then no keys are read.
 */
export const checkProperties = (
  owner: { readonly subject: string },
  properties: Record<string, unknown>,
  owned = false,
  sorted?: ReadonlyArray<string>
): Properties | ValidationFailed => {
  let names = sorted
  let inOrder = sorted !== undefined
  if (names === undefined) {
    const keys = Object.keys(properties)
    if (keys.length === 0) return NO_PROPERTIES
    names = sortedNames(keys)
    inOrder = lastInOrder
  }
  const inPlace = owned && inOrder
  const copy: Record<string, PropertyValue> = inPlace ? (properties as Record<string, PropertyValue>) : {}
  for (const name of names) {
    const value = properties[name]
    if (name.length === 0) {
      return new ValidationFailed({ subject: owner.subject, property: name, reason: "property name is empty" })
    }
    if (!isFlat(value)) {
      return new ValidationFailed({
        subject: owner.subject,
        property: name,
        reason: `value is ${describe(value)}; expected a string, a finite number, a boolean, null or an array of strings`
      })
    }
    if (Array.isArray(value)) setOwn(copy, name, value.slice())
    else if (!inPlace) setOwn(copy, name, value)
  }
  return copy
}

/**
 * Sets `values` on a builder's `target`: in sorted order when the target has none yet, so that
 * `checkProperties` can keep the object rather than copy it.
 */
export const setAll = (
  target: Record<string, unknown>,
  values: Readonly<Record<string, unknown>>
): ReadonlyArray<string> | undefined => {
  const keys = Object.keys(values)
  const sorted = keys.length > 0 && isEmpty(target) ? sortedNames(keys) : undefined
  for (const name of sorted ?? keys) setOwn(target, name, values[name])
  return sorted
}

const isEmpty = (target: Record<string, unknown>): boolean => {
  for (const _ in target) return false
  return true
}

/** A copy of a builder's properties that it can change again, after `checkProperties` kept the object. */
export const ownCopy = (properties: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  const copy: Record<string, unknown> = {}
  for (const name of Object.keys(properties)) setOwn(copy, name, properties[name])
  return copy
}

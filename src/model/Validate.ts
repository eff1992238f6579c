import { ValidationFailed } from "./Errors.ts"
import type { Properties, PropertyValue } from "./Ids.ts"

export const TYPE_PATTERN = /^[a-z][a-z0-9_]*$/
export const VERB_PATTERN = /^[A-Z][A-Z0-9_]*$/

/**
 * The last two types and the last verb found valid: a step emits a few types, one after another, and the
 * `bench` workload tests 5.5M of them at n = 1M (by hand, in a bare loop, 3.5M tests of a type took 0.05
 * to 0.08 s; a comparison with the last ones next to nothing).
 */
let validTypeA: string | undefined
let validTypeB: string | undefined
let validVerb: string | undefined

/** Whether `type` is snake_case (`TYPE_PATTERN`). */
export const isType = (type: string): boolean => {
  if (type === validTypeA || type === validTypeB) return true
  if (!TYPE_PATTERN.test(type)) return false
  validTypeB = validTypeA
  validTypeA = type
  return true
}

/** Whether `verb` is UPPER_SNAKE_CASE (`VERB_PATTERN`). */
export const isVerb = (verb: string): boolean => {
  if (verb === validVerb) return true
  if (!VERB_PATTERN.test(verb)) return false
  validVerb = verb
  return true
}

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
 * Makes a new object with the named properties of `values`, in one shape's sorted order, and says in
 * `into._primitives` whether every value it copied is a flat primitive (see `CopiedInto`).
 */
type Copier = (values: Readonly<Record<string, unknown>>, into: CopiedInto) => Record<string, unknown>

/** A sequence of property names seen (as `Object.keys` gave them), its sorted order and its copier. */
interface Shape {
  readonly names: ReadonlyArray<string>
  readonly sorted: ReadonlyArray<string>
  /** Whether `names` came in sorted order already. */
  readonly inOrder: boolean
  /** The copier once made (`null`: one that is never made, see `copierOf`). */
  copier: Copier | null | undefined
  /** How many times the shape was copied name by name, until its copier is made. */
  uses: number
}

/**
 * The last few shapes seen: a connector builds most of its objects with the same names in the same order,
 * so sorting is mostly a few string identity checks.
 */
const SHAPES = 8
const shapes: Array<Shape | undefined> = new Array(SHAPES)
let shapeNext = 0

const sameNames = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean => {
  if (a.length !== b.length) return false
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false
  return true
}

/** Whether the names of the last `sortedNames` call were in sorted order already. */
let lastInOrder = false

/** The remembered shape the last `sortedNames` call found or remembered (`undefined`: none). */
let lastShape: Shape | undefined

/**
 * `names` (as `Object.keys` gave them) in sorted order: a cached order, or a sorted copy. Whether they
 * were in order already is left in `lastInOrder`, the shape in `lastShape`.
 */
const sortedNames = (names: ReadonlyArray<string>): ReadonlyArray<string> => {
  for (let index = 0; index < SHAPES; index++) {
    const shape = shapes[index]
    if (shape !== undefined && sameNames(shape.names, names)) {
      lastInOrder = shape.inOrder
      lastShape = shape
      return shape.sorted
    }
  }
  const sorted = names.slice()
  if (sorted.length > 24) sorted.sort()
  else insertionSort(sorted)
  lastInOrder = sameNames(sorted, names)
  lastShape = undefined
  if (names.length <= 64) {
    lastShape = { names, sorted, inOrder: lastInOrder, copier: undefined, uses: 0 }
    shapes[shapeNext] = lastShape
    shapeNext = (shapeNext + 1) % SHAPES
  }
  return sorted
}

/** How many times a shape is copied name by name before its copier is made. */
const USES_BEFORE_COPIER = 16

/** A flat primitive (a string, a finite number, a boolean or null), as a copier's test of `value`. */
const primitiveTest = (value: string): string =>
  `(typeof ${value} === "string" || typeof ${value} === "boolean" || ${value} === null || ` +
  `(typeof ${value} === "number" && Number.isFinite(${value})))`

/**
 * The copier of `shape`, made on its `USES_BEFORE_COPIER`th use: a function that reads each of the shape's
 * names from `values` (in sorted order, as copying name by name does), tests the values, and returns one
 * object literal of them. Setting the properties name by name is a keyed store each, which the engine
 * cannot specialise for a site that stores many names: for the `bench` workload's 2.5M objects of six
 * properties, by hand, `sortedCopy` took about 0.14 s so, 0.05 s with the copier (its `Object.keys` and
 * the shape's look-up included). The names are written as JSON string literals, which are JavaScript
 * string literals: no name can be anything but a name. A shape with `__proto__` (which a literal would
 * take for the prototype) is never made one; one with an empty name never has only primitives, so that
 * `checkProperties` reports it.
 */
const copierOf = (shape: Shape): Copier | undefined => {
  if (shape.copier !== undefined) return shape.copier ?? undefined
  if (++shape.uses < USES_BEFORE_COPIER) return undefined
  const names = shape.sorted
  if (names.includes("__proto__")) {
    shape.copier = null
    return undefined
  }
  const values = names.map((name, at) => `v${at} = values[${JSON.stringify(name)}]`)
  const primitives = names.includes("") ? "false" : names.map((_, at) => primitiveTest(`v${at}`)).join(" && ")
  const fields = names.map((name, at) => `${JSON.stringify(name)}: v${at}`)
  try {
    shape.copier = new Function(
      "values",
      "into",
      `"use strict"; const ${values.join(", ")}; into._primitives = ${primitives}; return { ${fields.join(", ")} }`
    ) as Copier
  } catch {
    // A runtime that does not compile code (a policy against `eval`): name by name, as before the copiers.
    shape.copier = null
  }
  return shape.copier ?? undefined
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
  sorted?: ReadonlyArray<string>,
  primitives = false
): Properties | ValidationFailed => {
  // Made in sorted order of flat primitives (`copiedPrimitives`), and only the builder holds it: as it is.
  if (primitives && owned && sorted !== undefined) return properties as Properties
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

/** Sets `values` on a builder's `target`, which has properties already (see `sortedCopy` for the first). */
export const setAll = (target: Record<string, unknown>, values: Readonly<Record<string, unknown>>): void => {
  for (const name of Object.keys(values)) setOwn(target, name, values[name])
}

/** What `sortedCopy` tells the builder it copies for about the object it made. */
export interface CopiedInto {
  /** Its names, sorted (`undefined` for one without properties). */
  _sorted: ReadonlyArray<string> | undefined
  /**
   * Whether each of its values is a flat primitive (a string, a finite number, a boolean or null: nothing
   * a caller can change later) under a name that is not empty: then, while the builder keeps it as it is,
   * `checkProperties` has nothing left to check or copy. Said only by a shape's copier; `false` otherwise.
   */
  _primitives: boolean
}

/**
 * A builder's first properties: a new object holding `values`' properties with their names in sorted
 * order, so that `checkProperties` can keep it rather than copy it; what it is is left in `into`. A shape
 * made often is made by its copier (see `copierOf`).
 */
export const sortedCopy = (values: Readonly<Record<string, unknown>>, into: CopiedInto): Record<string, unknown> => {
  into._primitives = false
  const keys = Object.keys(values)
  if (keys.length === 0) {
    into._sorted = undefined
    return {}
  }
  const sorted = sortedNames(keys)
  into._sorted = sorted
  const copier = lastShape === undefined ? undefined : copierOf(lastShape)
  if (copier !== undefined) return copier(values, into)
  const target: Record<string, unknown> = {}
  for (const name of sorted) setOwn(target, name, values[name])
  return target
}

/** A copy of a builder's properties that it can change again, after `checkProperties` kept the object. */
export const ownCopy = (properties: Readonly<Record<string, unknown>>): Record<string, unknown> => {
  const copy: Record<string, unknown> = {}
  setAll(copy, properties)
  return copy
}

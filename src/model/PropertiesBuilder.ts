import { ValidationFailed } from "./Errors.ts"
import type { Properties, PropertyValue } from "./Ids.ts"
import type { JsonSlot, Staged } from "./Records.ts"
import { type CopiedInto, checkProperties, NO_PROPERTIES, ownCopy, setAll, setOwn, sortedCopy } from "./Validate.ts"

/**
 * What entity and relationship builders share: their flat properties, and the bookkeeping that lets an
 * emit hand the builder's own properties object to the record instead of a copy (see `checkProperties`).
 * A base class rather than a helper object, so that a builder is one allocation.
 */
export abstract class PropertiesBuilder<R> implements CopiedInto {
  /**
   * @internal Copied before the next change once an emit has kept it (`_kept`). `NO_PROPERTIES` (shared,
   * frozen) until a property is set: most relationships have none, and make no object for them.
   */
  _properties: Record<string, unknown> = NO_PROPERTIES as Record<string, unknown>
  /** @internal Whether an emitted record holds `_properties` (see `checkProperties`). */
  _kept = false
  /** @internal The names of `_properties` in sorted order when `properties({...})` set them all. */
  _sorted: ReadonlyArray<string> | undefined = undefined
  /** @internal Whether `_properties` holds only flat primitives, while `_sorted` is set (see `CopiedInto`). */
  _primitives = false

  /** How errors name the object: `entity host/web-01`, `relationship a/1 -HAS-> b/2`. */
  abstract get subject(): string

  /**
   * @internal Validates and identifies the object within `account`, leaving the canonical properties JSON
   * that staging stores in `slot`: the emit path's form, which makes no object to hand the two over.
   */
  abstract stage(account: string, slot: JsonSlot): R | ValidationFailed

  /** Validates and identifies the object within `account`; fails with `ValidationFailed`. */
  toRecord(account: string): R | ValidationFailed {
    return this.stage(account, { json: "" })
  }

  /** @internal `toRecord`, with the canonical properties JSON that staging stores. */
  toStaged(account: string): Staged<R> | ValidationFailed {
    const slot = { json: "" }
    const record = this.stage(account, slot)
    return record instanceof ValidationFailed ? record : { record, json: slot.json }
  }

  /** One flat property: string, finite number, boolean, null or array of strings. */
  property(name: string, value: PropertyValue): this {
    if (this._kept || this._properties === NO_PROPERTIES) this.unkeep()
    this._sorted = undefined
    this._primitives = false
    setOwn(this._properties, name, value)
    return this
  }

  /** Several flat properties at once. */
  properties(values: Readonly<Record<string, PropertyValue>>): this {
    if (this._properties === NO_PROPERTIES) {
      // The first properties set: made in sorted order, so that an emit can keep the object.
      this._properties = sortedCopy(values, this)
      return this
    }
    if (this._kept) this.unkeep()
    this._sorted = undefined
    this._primitives = false
    setAll(this._properties, values)
    return this
  }

  /**
   * @internal The validated properties for a record: the builder's own object when `checkProperties`
   * could keep it (the builder then copies it before its next change), a sorted copy otherwise.
   */
  checkedProperties(): Properties | ValidationFailed {
    if (this._properties === NO_PROPERTIES) return NO_PROPERTIES
    const properties = checkProperties(this, this._properties, !this._kept, this._sorted, this._primitives)
    if (properties === this._properties) this._kept = true
    return properties
  }

  private unkeep(): void {
    this._properties = ownCopy(this._properties)
    this._kept = false
  }
}

import { ValidationFailed } from "./Errors.ts"
import { emittedEntityId, hashContent } from "./Ids.ts"
import { PropertiesBuilder } from "./PropertiesBuilder.ts"
import type { EntityRecord, JsonSlot } from "./Records.ts"
import { isType, NO_PROPERTIES, notAString } from "./Validate.ts"

/**
 * A fluent description of one entity, turned into an `EntityRecord` when it is emitted.
 *
 * @example
 * entity("host", "web-01").class("Host").displayName("Web Server 01").property("state", "running")
 */
export class EntityBuilder extends PropertiesBuilder<EntityRecord> {
  /** @internal */
  _class = ""
  /** @internal */
  _displayName: string | undefined = undefined

  constructor(
    readonly type: string,
    readonly key: string
  ) {
    super()
  }

  /** The entity's class, from the closed set (`Host`, `User`, `Service`, ...). */
  class(klass: string): this {
    this._class = klass
    return this
  }

  /** A human-readable name; defaults to the key. */
  displayName(name: string): this {
    this._displayName = name
    return this
  }

  /** `type/key`, as errors name the entity. */
  get subject(): string {
    return `entity ${this.type}/${this.key}`
  }

  /** @internal See `PropertiesBuilder.stage`. */
  stage(account: string, slot: JsonSlot): EntityRecord | ValidationFailed {
    const notString =
      notAString("type", this.type, false) ??
      notAString("key", this.key, true) ??
      (this._class === "" ? "class is missing" : notAString("class", this._class, true)) ??
      (this._displayName === undefined ? undefined : notAString("displayName", this._displayName, false))
    if (notString !== undefined) return new ValidationFailed({ subject: this.subject, reason: notString })
    if (!isType(this.type)) {
      return new ValidationFailed({
        subject: this.subject,
        reason: `type "${this.type}" is not snake_case ([a-z][a-z0-9_]*)`
      })
    }
    const properties = this.checkedProperties()
    if (properties instanceof ValidationFailed) return properties
    const displayName = this._displayName ?? this.key
    const json = properties === NO_PROPERTIES ? "{}" : JSON.stringify(properties)
    const record: EntityRecord = {
      id: emittedEntityId(account, this.type, this.key),
      type: this.type,
      key: this.key,
      class: this._class,
      displayName,
      properties,
      hash: hashContent(this._class, displayName, json)
    }
    slot.json = json
    return record
  }
}

/**
 * Starts an entity of `type` (snake_case, e.g. `aws_ec2_instance`) identified by the source's own `key`.
 *
 * @example
 * yield* ctx.emitEntity(entity("service", "nginx").class("Service").displayName("Nginx"))
 */
export const entity = (type: string, key: string): EntityBuilder => new EntityBuilder(type, key)

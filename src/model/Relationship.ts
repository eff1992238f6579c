import { ValidationFailed } from "../Errors.ts"
import { contentHash, entityId, type PropertyValue, relationshipId } from "./Ids.ts"
import type { RelationshipRecord } from "./Records.ts"
import { checkProperties, setOwn, TYPE_PATTERN, VERB_PATTERN } from "./Validate.ts"

/**
 * A fluent description of one directed relationship, turned into a `RelationshipRecord` when emitted.
 *
 * @example
 * relationship("host", "web-01", "RUNS", "service", "nginx").property("port", 443)
 */
export class RelationshipBuilder {
  /** @internal */
  readonly _properties: Record<string, unknown> = {}
  /** @internal */
  _toAccount: string | undefined = undefined
  /** @internal */
  _key: string | undefined = undefined

  constructor(
    readonly fromType: string,
    readonly fromKey: string,
    readonly verb: string,
    readonly toType: string,
    readonly toKey: string
  ) {}

  /** One flat property of the relationship. */
  property(name: string, value: PropertyValue): this {
    setOwn(this._properties, name, value)
    return this
  }

  /** Several flat properties at once. */
  properties(values: Readonly<Record<string, PropertyValue>>): this {
    for (const name of Object.keys(values)) setOwn(this._properties, name, values[name])
    return this
  }

  /**
   * Names the account that holds the target, when it is not the sync's own account
   * (a role trusted by another cloud account, say).
   *
   * @example
   * relationship("aws_iam_role", "admin", "TRUSTS", "aws_account", "123").toAccount("123")
   */
  toAccount(account: string): this {
    this._toAccount = account
    return this
  }

  /** Distinguishes several relationships with the same endpoints and verb. */
  key(key: string): this {
    this._key = key
    return this
  }

  /** `from -VERB-> to`, as errors name the relationship. */
  get subject(): string {
    const target = this._toAccount === undefined ? "" : ` (account ${this._toAccount})`
    return `relationship ${this.fromType}/${this.fromKey} -${this.verb}-> ${this.toType}/${this.toKey}${target}`
  }

  /** Validates and identifies the relationship within `account`; fails with `ValidationFailed`. */
  toRecord(account: string): RelationshipRecord | ValidationFailed {
    const subject = this.subject
    for (const [role, type] of [
      ["from", this.fromType],
      ["to", this.toType]
    ] as const) {
      if (!TYPE_PATTERN.test(type)) {
        return new ValidationFailed({ subject, reason: `${role} type "${type}" is not snake_case ([a-z][a-z0-9_]*)` })
      }
    }
    if (
      typeof this.fromKey !== "string" ||
      typeof this.toKey !== "string" ||
      this.fromKey.length === 0 ||
      this.toKey.length === 0
    ) {
      return new ValidationFailed({ subject, reason: "endpoint keys must be non-empty strings" })
    }
    if (typeof this.verb !== "string" || !VERB_PATTERN.test(this.verb)) {
      return new ValidationFailed({ subject, reason: `verb "${this.verb}" is not UPPER_SNAKE_CASE` })
    }
    if (this._toAccount !== undefined && (typeof this._toAccount !== "string" || this._toAccount.length === 0)) {
      return new ValidationFailed({ subject, reason: "target account must be a non-empty string" })
    }
    const properties = checkProperties(subject, this._properties)
    if (properties instanceof ValidationFailed) return properties
    const fromId = entityId(account, this.fromType, this.fromKey)
    const toAccount = this._toAccount === account ? undefined : this._toAccount
    const toId = entityId(toAccount ?? account, this.toType, this.toKey)
    return {
      id: relationshipId(fromId, this.verb, toId, this._key),
      verb: this.verb,
      fromId,
      fromType: this.fromType,
      fromKey: this.fromKey,
      toId,
      toType: this.toType,
      toKey: this.toKey,
      ...(toAccount === undefined ? {} : { toAccount }),
      ...(this._key === undefined ? {} : { key: this._key }),
      properties,
      hash: contentHash(this.verb, "", properties)
    }
  }
}

/**
 * Starts a relationship `(fromType, fromKey) -verb-> (toType, toKey)`; both ends resolve in the sync's
 * account unless `.toAccount(...)` names another.
 *
 * @example
 * yield* ctx.emitRelationship(relationship("host", "web-01", "RUNS", "service", "nginx"))
 */
export const relationship = (
  fromType: string,
  fromKey: string,
  verb: string,
  toType: string,
  toKey: string
): RelationshipBuilder => new RelationshipBuilder(fromType, fromKey, verb, toType, toKey)

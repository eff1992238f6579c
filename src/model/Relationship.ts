import { ValidationFailed } from "./Errors.ts"
import { entityId, hashContent, relationshipId } from "./Ids.ts"
import { PropertiesBuilder } from "./PropertiesBuilder.ts"
import type { JsonSlot, RelationshipRecord } from "./Records.ts"
import { isType, isVerb, NO_PROPERTIES, notAString } from "./Validate.ts"

const SNAKE = "snake_case ([a-z][a-z0-9_]*)"

/** Content hashes of relationships without properties, by verb (most relationships have none). */
const emptyHashes = new Map<string, string>()
const emptyHash = (verb: string): string => {
  let hash = emptyHashes.get(verb)
  if (hash === undefined) {
    hash = hashContent(verb, "", "{}")
    if (emptyHashes.size < 4096) emptyHashes.set(verb, hash)
  }
  return hash
}

/**
 * A fluent description of one directed relationship, turned into a `RelationshipRecord` when emitted.
 *
 * @example
 * relationship("host", "web-01", "RUNS", "service", "nginx").property("port", 443)
 */
export class RelationshipBuilder extends PropertiesBuilder<RelationshipRecord> {
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
  ) {
    super()
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

  /** @internal See `PropertiesBuilder.stage`. */
  stage(account: string, slot: JsonSlot): RelationshipRecord | ValidationFailed {
    const notString =
      notAString("fromType", this.fromType, false) ??
      notAString("fromKey", this.fromKey, true) ??
      notAString("verb", this.verb, false) ??
      notAString("toType", this.toType, false) ??
      notAString("toKey", this.toKey, true) ??
      (this._key === undefined ? undefined : notAString("key", this._key, false)) ??
      (this._toAccount === undefined ? undefined : notAString("toAccount (the target account)", this._toAccount, true))
    if (notString !== undefined) return this.invalid(notString)
    if (!isType(this.fromType)) return this.invalid(`from type "${this.fromType}" is not ${SNAKE}`)
    if (!isType(this.toType)) return this.invalid(`to type "${this.toType}" is not ${SNAKE}`)
    if (!isVerb(this.verb)) return this.invalid(`verb "${this.verb}" is not UPPER_SNAKE_CASE`)
    const properties = this.checkedProperties()
    if (properties instanceof ValidationFailed) return properties
    const fromId = entityId(account, this.fromType, this.fromKey)
    const toAccount = this._toAccount === account ? undefined : this._toAccount
    const toId = entityId(toAccount ?? account, this.toType, this.toKey)
    const json = properties === NO_PROPERTIES ? "{}" : JSON.stringify(properties)
    const id = relationshipId(fromId, this.verb, toId, this._key)
    const hash = json === "{}" ? emptyHash(this.verb) : hashContent(this.verb, "", json)
    // Most relationships name neither a target account nor a key: then nothing is spread (spreading `{}` costs).
    const extra =
      toAccount === undefined && this._key === undefined
        ? undefined
        : { ...(toAccount === undefined ? {} : { toAccount }), ...(this._key === undefined ? {} : { key: this._key }) }
    const record: RelationshipRecord = {
      id,
      verb: this.verb,
      fromId,
      fromType: this.fromType,
      fromKey: this.fromKey,
      toId,
      toType: this.toType,
      toKey: this.toKey,
      ...extra,
      properties,
      hash
    }
    slot.json = json
    return record
  }

  private invalid(reason: string): ValidationFailed {
    return new ValidationFailed({ subject: this.subject, reason })
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

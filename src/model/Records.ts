import type { Properties } from "./Ids.ts"

/** An entity as the SDK stages it: validated, with its id and content hash. */
export interface EntityRecord {
  readonly id: string
  readonly type: string
  readonly key: string
  readonly class: string
  readonly displayName: string
  readonly properties: Properties
  readonly hash: string
}

/** A relationship as the SDK stages it: validated, with its id, its endpoints' ids and content hash. */
export interface RelationshipRecord {
  readonly id: string
  readonly verb: string
  readonly fromId: string
  readonly fromType: string
  readonly fromKey: string
  readonly toId: string
  readonly toType: string
  readonly toKey: string
  /** The account of the target when it is not the sync's own account. */
  readonly toAccount?: string
  /** An optional discriminator when two relationships share endpoints and verb. */
  readonly key?: string
  readonly properties: Properties
  readonly hash: string
}

/** A non-fatal remark about an emitted object (unknown class or verb outside strict mode). */
export interface ValidationWarning {
  readonly step: string
  readonly subject: string
  readonly message: string
}

/** @internal Where a builder's `stage` leaves the canonical properties JSON of the record it returns. */
export interface JsonSlot {
  json: string
}

/** @internal A record with its canonical properties JSON, as emit hands it to staging. */
export interface Staged<A> {
  readonly record: A
  readonly json: string
}

import type { Step } from "../connector/Step.ts"
import type { EntityRecord, RelationshipRecord } from "../model/Records.ts"

/**
 * What a step declared, as look-ups for the emit path: for each emitted object, `undefined` when the
 * declarations cover it, otherwise the warning's message. Nested maps, so that a check allocates nothing
 * (no key is built per emit), behind a comparison with the last shape found declared; a step that
 * declares nothing is not checked at all.
 */
export interface DeclarationCheck {
  readonly entity: (record: EntityRecord) => string | undefined
  readonly relationship: (record: RelationshipRecord) => string | undefined
}

const names = (values: Iterable<string>) => [...values].map((value) => `"${value}"`).join(", ")

/** The checks of `step`'s declarations, or `undefined` for a step that declares nothing (unchecked). */
export const declarationCheck = (step: Pick<Step, "entities" | "relationships">): DeclarationCheck | undefined => {
  if (step.entities.length === 0 && step.relationships.length === 0) return undefined
  const classes = new Map<string, Set<string>>()
  for (const { type, class: cls } of step.entities) {
    const known = classes.get(type) ?? new Set<string>()
    known.add(cls)
    classes.set(type, known)
  }
  const edges = new Map<string, Map<string, Set<string>>>()
  for (const { from, verb, to } of step.relationships) {
    const byVerb = edges.get(from) ?? new Map<string, Set<string>>()
    const targets = byVerb.get(verb) ?? new Set<string>()
    targets.add(to)
    byVerb.set(verb, targets)
    edges.set(from, byVerb)
  }
  // The last shape found declared: a step mostly emits one shape after another, so most checks end here.
  let lastType = ""
  let lastClass = ""
  let lastFrom = ""
  let lastVerb = ""
  let lastTo = ""
  return {
    entity: (record) => {
      if (record.type === lastType && record.class === lastClass) return undefined
      const known = classes.get(record.type)
      if (known === undefined) return `entity type "${record.type}" not declared by the step`
      if (!known.has(record.class)) {
        return `class "${record.class}" not declared for entity type "${record.type}" (declared: ${names(known)})`
      }
      lastType = record.type
      lastClass = record.class
      return undefined
    },
    relationship: (record) => {
      if (record.fromType === lastFrom && record.verb === lastVerb && record.toType === lastTo) return undefined
      if (edges.get(record.fromType)?.get(record.verb)?.has(record.toType) !== true) {
        return `relationship ${record.fromType} -${record.verb}-> ${record.toType} not declared by the step`
      }
      lastFrom = record.fromType
      lastVerb = record.verb
      lastTo = record.toType
      return undefined
    }
  }
}

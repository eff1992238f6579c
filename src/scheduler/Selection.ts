import { ancestors } from "../connector/Dag.ts"

interface Node {
  readonly id: string
  readonly dependsOn: ReadonlyArray<string>
}

/**
 * The steps that run when `requested` are asked for: those and every step they depend on, directly or
 * not. None (or an empty list) asked for: every step. Unknown ids are the caller's to reject (`UnknownStep`).
 */
export const selection = (
  steps: ReadonlyArray<Node>,
  requested: ReadonlyArray<string> | undefined
): ReadonlySet<string> => {
  if (requested === undefined || requested.length === 0) return new Set(steps.map((step) => step.id))
  const chosen = new Set<string>()
  for (const id of requested) {
    chosen.add(id)
    for (const dependency of ancestors(steps, id)) chosen.add(dependency)
  }
  return chosen
}

import { Either } from "effect"
import { type DefinitionError, DependencyCycle, DuplicateStep, UnknownDependency } from "../model/Errors.ts"

interface Node {
  readonly id: string
  readonly dependsOn: ReadonlyArray<string>
}

/** Checks that steps form a DAG: unique ids, known dependencies, no cycle (spelled out when found). */
export const checkGraph = (connector: string, steps: ReadonlyArray<Node>): Either.Either<void, DefinitionError> => {
  const byId = new Map<string, Node>()
  for (const step of steps) {
    if (byId.has(step.id)) return Either.left(new DuplicateStep({ connector, step: step.id }))
    byId.set(step.id, step)
  }
  for (const step of steps) {
    for (const dependency of step.dependsOn) {
      if (!byId.has(dependency)) return Either.left(new UnknownDependency({ connector, step: step.id, dependency }))
    }
  }
  const state = new Map<string, "visiting" | "done">()
  const path: Array<string> = []
  const visit = (id: string): ReadonlyArray<string> | undefined => {
    const seen = state.get(id)
    if (seen === "done") return undefined
    if (seen === "visiting") return [...path.slice(path.indexOf(id)), id]
    state.set(id, "visiting")
    path.push(id)
    for (const dependency of byId.get(id)?.dependsOn ?? []) {
      const cycle = visit(dependency)
      if (cycle !== undefined) return cycle
    }
    path.pop()
    state.set(id, "done")
    return undefined
  }
  for (const step of steps) {
    const cycle = visit(step.id)
    // The walk follows dependencies; reverse it so that the cycle reads in execution order.
    if (cycle !== undefined) return Either.left(new DependencyCycle({ connector, cycle: [...cycle].reverse() }))
  }
  return Either.right(undefined)
}

/**
 * The topological waves of a DAG: wave 0 has the steps without dependencies, wave k the steps whose
 * dependencies all sit in earlier waves. Steps keep their declared order within a wave.
 */
export const waves = (steps: ReadonlyArray<Node>): ReadonlyArray<ReadonlyArray<string>> => {
  const level = new Map<string, number>()
  const byId = new Map(steps.map((step) => [step.id, step]))
  const visiting = new Set<string>()
  // Unknown dependencies and back edges of a cycle (a graph `checkGraph` rejects) count as level -1,
  // so that `plan` terminates on any input instead of overflowing the stack.
  const levelOf = (id: string): number => {
    const known = level.get(id)
    if (known !== undefined) return known
    if (visiting.has(id) || !byId.has(id)) return -1
    visiting.add(id)
    const deps = byId.get(id)?.dependsOn ?? []
    const value = 1 + Math.max(-1, ...deps.map((dep) => levelOf(dep)))
    visiting.delete(id)
    level.set(id, value)
    return value
  }
  const result: Array<Array<string>> = []
  for (const step of steps) {
    const value = levelOf(step.id)
    while (result.length <= value) result.push([])
    result[value]?.push(step.id)
  }
  return result
}

/** Every step a step depends on, directly or not. */
export const ancestors = (steps: ReadonlyArray<Node>, id: string): ReadonlySet<string> => {
  const byId = new Map(steps.map((step) => [step.id, step]))
  const seen = new Set<string>()
  const stack = [...(byId.get(id)?.dependsOn ?? [])]
  while (stack.length > 0) {
    const next = stack.pop() as string
    if (seen.has(next)) continue
    seen.add(next)
    stack.push(...(byId.get(next)?.dependsOn ?? []))
  }
  return seen
}

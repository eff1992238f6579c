import type { FileSystem, Path } from "@effect/platform"
import { Console, Effect } from "effect"
import { waves } from "../../connector/Dag.ts"
import type { Step } from "../../connector/Step.ts"
import type { CliError } from "../CliError.ts"
import { table } from "../Render.ts"
import { resolveConnector } from "../ResolveConnector.ts"

/** What a step declares, for a table cell: `type (Class)` and `from -VERB-> to`, or a note that it declares nothing. */
const declares = (step: Pick<Step, "entities" | "relationships">): string =>
  step.entities.length === 0 && step.relationships.length === 0
    ? "(nothing: unchecked)"
    : [
        ...step.entities.map((entity) => `${entity.type} (${entity.class})`),
        ...step.relationships.map((edge) => `${edge.from} -${edge.verb}-> ${edge.to}`)
      ].join(", ")

/** `parallax plan`: the connector's steps, their dependencies and the topological waves. */
export const runPlan = (args: {
  readonly connector: string
  readonly json: boolean
}): Effect.Effect<number, CliError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const connector = yield* resolveConnector(args.connector)
    const planned = waves(connector.steps)
    const waveOf = new Map(planned.flatMap((wave, index) => wave.map((id) => [id, index] as const)))
    const steps = connector.steps.map((step) => ({
      id: step.id,
      description: step.description,
      dependsOn: step.dependsOn,
      wave: waveOf.get(step.id) ?? 0,
      entities: step.entities,
      relationships: step.relationships
    }))
    if (args.json) {
      yield* Console.log(JSON.stringify({ connector: connector.name, waves: planned, steps }, null, 2))
      return 0
    }
    yield* Console.log(`${connector.name}: ${steps.length} steps in ${planned.length} waves`)
    yield* Console.log(
      table(
        ["wave", "step", "depends on", "declares", "description"],
        [...steps]
          .sort((a, b) => a.wave - b.wave)
          .map((step) => [step.wave, step.id, step.dependsOn.join(", "), declares(step), step.description])
      )
    )
    return 0
  })

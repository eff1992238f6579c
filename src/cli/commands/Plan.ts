import type { FileSystem, Path } from "@effect/platform"
import { Console, Effect } from "effect"
import { waves } from "../../scheduler/Dag.ts"
import type { CliError } from "../CliError.ts"
import { table } from "../Render.ts"
import { resolveConnector } from "../ResolveConnector.ts"

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
      entities: step.entityTypes,
      relationships: step.relationshipVerbs
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
          .map((step) => [
            step.wave,
            step.id,
            step.dependsOn.join(", "),
            [...step.entities, ...step.relationships].join(", "),
            step.description
          ])
      )
    )
    return 0
  })

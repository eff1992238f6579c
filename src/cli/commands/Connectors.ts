import { Console, Effect } from "effect"
import { builtins } from "../../../connectors/Builtins.ts"
import { table } from "../Render.ts"

/**
 * `parallax connectors`: the built-in connectors. `--json` prints
 * `{ connectors: [{ name, description, steps: [{ id, description, dependsOn, entities: [{ type, class }],
 * relationships: [{ from, verb, to }] }] }] }`.
 */
export const runConnectors = (args: { readonly json: boolean }): Effect.Effect<number> =>
  Effect.gen(function* () {
    const loaded = yield* Effect.promise(() => Promise.all(builtins.map((builtin) => builtin.load())))
    const connectors = loaded.map((connector) => ({
      name: connector.name,
      description: connector.description,
      steps: connector.steps.map((step) => ({
        id: step.id,
        description: step.description,
        dependsOn: step.dependsOn,
        entities: step.entities,
        relationships: step.relationships
      }))
    }))
    yield* Console.log(
      args.json
        ? JSON.stringify({ connectors }, null, 2)
        : table(
            ["name", "steps", "description"],
            connectors.map((connector) => [connector.name, connector.steps.length, connector.description])
          )
    )
    return 0
  })

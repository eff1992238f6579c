import { Console, Effect } from "effect"
import { builtinConnectors } from "../../../connectors/index.ts"
import { table } from "../Render.ts"

/** `parallax connectors`: the built-in connectors. */
export const runConnectors = (args: { readonly json: boolean }): Effect.Effect<number> =>
  Effect.gen(function* () {
    const rows = builtinConnectors.map((connector) => ({
      name: connector.name,
      description: connector.description,
      steps: connector.steps.length
    }))
    yield* Console.log(
      args.json
        ? JSON.stringify(rows, null, 2)
        : table(
            ["name", "steps", "description"],
            rows.map((row) => [row.name, row.steps, row.description])
          )
    )
    return 0
  })

import { FileSystem, Path } from "@effect/platform"
import type { PlatformError } from "@effect/platform/Error"
import { Console, Effect, Option } from "effect"
import { type CliError, failure, usageError } from "../CliError.ts"

const connectorModule = (name: string) => `import { Effect, Schema } from "effect"
import { Connector, entity, relationship, step } from "parallax-connect"
import type { HarnessSetup } from "parallax-connect/harness"

/**
 * What \`parallax check\` varies: the number of hosts the source reports. With it, the harness also
 * checks convergence (syncing one source state after another equals a fresh sync of the last).
 */
export const harness: HarnessSetup<never, number> = {
  sources: (fc) => fc.integer({ min: 1, max: 6 }),
  configFor: (hosts) => ({ hosts: String(hosts) })
}

/**
 * ${name}: a parallax connector. Run it with \`parallax sync ./connector.ts\` and prove it with
 * \`parallax check ./connector.ts\`.
 */
export default Connector.make({
  name: "${name}",
  description: "A new parallax connector",
  config: Schema.Struct({
    /** How many hosts to report. */
    hosts: Schema.optionalWith(Schema.NumberFromString.pipe(Schema.int(), Schema.positive()), { default: () => 3 })
  }),
  steps: [
    step("hosts", "Collect hosts")
      .entities({ type: "${name.replace(/-/g, "_")}_host", class: "Host" })
      .run((ctx) =>
        Effect.forEach(
          Array.from({ length: ctx.config.hosts }, (_, i) => i),
          (i) =>
            ctx.emitEntity(
              entity("${name.replace(/-/g, "_")}_host", \`host-\${i}\`)
                .class("Host")
                .displayName(\`Host \${i}\`)
                .property("index", i)
            ),
          { discard: true }
        )
      ),
    step("services", "Collect services")
      .dependsOn("hosts")
      .entities({ type: "${name.replace(/-/g, "_")}_service", class: "Service" })
      .relationships({ from: "${name.replace(/-/g, "_")}_host", verb: "RUNS", to: "${name.replace(/-/g, "_")}_service" })
      .run((ctx) =>
        Effect.gen(function* () {
          for (const host of ctx.prior.entities("${name.replace(/-/g, "_")}_host")) {
            yield* ctx.emitEntity(
              entity("${name.replace(/-/g, "_")}_service", \`\${host.key}/ssh\`).class("Service").displayName("ssh").property("port", 22)
            )
            yield* ctx.emitRelationship(
              relationship("${name.replace(/-/g, "_")}_host", host.key, "RUNS", "${name.replace(/-/g, "_")}_service", \`\${host.key}/ssh\`)
            )
          }
        })
      )
  ]
})
`

const readme = (name: string) => `# ${name}

A connector for parallax: it imports \`parallax-connect\` and \`effect\`, which the \`parallax\` binary
provides, so the project needs no \`npm install\` and no \`node_modules\`.

- \`parallax plan ./connector.ts\`: its steps and waves.
- \`parallax sync ./connector.ts --set hosts=5\`: one sync into \`./parallax.db\`.
- \`parallax check ./connector.ts\`: the property-based harness (idempotency, source scoping, fault
  isolation, atomicity, ...). This is the connector's test: it needs only the \`parallax\` binary.
`

/** A file system error as one line: `ENOTDIR: not a directory, mkdir '/tmp/afile/sub'` becomes `not a directory`. */
const reasonOf = (error: PlatformError): string => {
  const cause = error._tag === "SystemError" ? (error.cause as { readonly code?: unknown } | undefined) : undefined
  const text = error._tag === "SystemError" && error.cause instanceof Error ? error.cause.message : error.message
  const short = /^E[A-Z]+: ([^,]+)/.exec(text)?.[1]
  return short ?? (typeof cause?.code === "string" ? cause.code : text)
}

/** `parallax init <dir>`: a new connector project whose test needs only the binary. */
export const runInit = (args: {
  readonly dir: string
}): Effect.Effect<number, CliError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const dir = path.resolve(args.dir)
    const name =
      path
        .basename(dir)
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/^[^a-z]+/, "") || "my-connector"
    const info = yield* fs.stat(dir).pipe(
      Effect.map(Option.some),
      Effect.catchIf(
        (error) => error._tag === "SystemError" && error.reason === "NotFound",
        () => Effect.succeed(Option.none())
      ),
      Effect.mapError((error) => failure(`cannot create ${dir}: ${reasonOf(error)}`))
    )
    if (Option.isSome(info) && info.value.type !== "Directory") {
      return yield* usageError(`${dir} exists and is not a directory; choose a new directory`)
    }
    const existing = Option.isSome(info)
      ? yield* fs.readDirectory(dir).pipe(Effect.mapError((error) => failure(`cannot read ${dir}: ${reasonOf(error)}`)))
      : []
    if (existing.length > 0) return yield* usageError(`${dir} is not empty; choose a new directory`)
    const write = (file: string, text: string) =>
      fs
        .writeFileString(path.join(dir, file), text)
        .pipe(Effect.mapError((error) => failure(`cannot write ${path.join(dir, file)}: ${reasonOf(error)}`)))
    yield* fs
      .makeDirectory(dir, { recursive: true })
      .pipe(Effect.mapError((error) => failure(`cannot create ${dir}: ${reasonOf(error)}`)))
    yield* write("connector.ts", connectorModule(name))
    yield* write("README.md", readme(name))
    yield* write(
      "test.sh",
      '#!/bin/sh\n# The connector\'s test: the property-based harness, nothing but the parallax binary needed.\nexec parallax check ./connector.ts --seed 1 "$@"\n'
    )
    yield* fs.chmod(path.join(dir, "test.sh"), 0o755).pipe(Effect.ignore)
    yield* Console.log(
      `created ${name} in ${dir}:\n  connector.ts  README.md  test.sh\nnext: cd ${args.dir} && parallax check ./connector.ts`
    )
    return 0
  })

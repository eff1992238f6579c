import { Effect } from "effect"
import fc from "fast-check"
import type { SyncEvent } from "parallax-connect"
import { canonical } from "../internal/Dump.ts"
import { defineProperty, sourceArbitrary, sourcePart } from "../internal/Property.ts"
import { leakSites, noSecretsReason, plantSecrets, secretTokens } from "../internal/Secrets.ts"
import { capturingLogs, render, runTrial, skip, syncOnce, violate } from "../internal/Trial.ts"
import { type FaultPlan, faultPlan, withFaults } from "../internal/Wrap.ts"

interface Input {
  readonly source: unknown
  readonly tokens: ReadonlyArray<string>
  readonly plan: FaultPlan
}

/** C12: the values of `Redacted` config fields never appear in rows, events, logs, errors or output. */
export const secrets = defineProperty<Input>({
  name: "secrets",
  invariant: "C12",
  guards: "secrets never leak into logs, errors, events, stored rows or output",
  notRun: noSecretsReason,
  arbitrary: (target) =>
    fc.record({
      source: sourceArbitrary(target),
      tokens: secretTokens,
      plan: faultPlan(target.connector.steps.length)
    }),
  check: (shared, input) =>
    runTrial(shared, (open, target) =>
      Effect.gen(function* () {
        const { config, secrets } = plantSecrets(target, target.configFor(input.source), input.tokens)
        if (secrets.length === 0) return yield* skip("config(s) had no secret to plant")
        const store = yield* open
        const events: Array<SyncEvent> = []
        const logs: Array<string> = []
        const sync = (connector: typeof target.connector) =>
          capturingLogs(
            syncOnce(target, store, { source: input.source, config, connector, onEvent: (e) => events.push(e) }),
            logs
          )
        const clean = yield* sync(target.connector)
        const faulty = yield* sync(withFaults(target.connector, input.plan))
        const outputs = [clean, faulty].map((outcome) =>
          outcome._tag === "Committed" ? canonical(outcome.result) : `${outcome.message}\n${render(outcome.error)}`
        )
        const errors = [clean, faulty].flatMap((outcome) =>
          outcome._tag === "Committed"
            ? outcome.result.steps.flatMap((step) => (step.error === undefined ? [] : [render(step.error)]))
            : [outcome.message]
        )
        const dump = yield* store.dump
        const places: ReadonlyArray<readonly [string, string]> = [
          ["stored rows", dump.rows.map((row) => canonical(row.raw)).join("\n")],
          ["run records", dump.runs.map((run) => canonical(run.raw)).join("\n")],
          ["events", events.map(render).join("\n")],
          ["logs", logs.join("\n")],
          ["errors", errors.join("\n")],
          ["sync output", outputs.join("\n")]
        ]
        const leaks = [
          ...new Set(
            places.flatMap(([where, text]) =>
              secrets.flatMap((secret) => leakSites(text, secret).map((line) => `in ${where}: ${line}`))
            )
          )
        ]
        if (leaks.length > 0) {
          return yield* violate("a Redacted config value appeared in plain text (or encoded)", [
            ...leaks.slice(0, 8),
            leaks.some((line) => line.includes("ConfigInvalid") || line.includes(", actual"))
              ? "a configuration error quotes the rejected secret: config errors must not echo values of Redacted fields"
              : "keep secrets as Redacted values; call Redacted.value only where the secret is sent to the source",
            ...(leaks.some((line) => /^in [a-z ]+: \((base64|base64url|URL-encoded|form-encoded|hex)\)/.test(line))
              ? ["an encoded secret (base64 in a Basic auth header, URL-encoded in a query string) is still the secret"]
              : [])
          ])
        }
      })
    ),
  describe: (target, input) => [
    ...sourcePart(target, input.source),
    { label: "planted secret values", value: input.tokens.map((token) => JSON.stringify(token)).join(", ") }
  ]
})

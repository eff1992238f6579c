/** The default of `--step-timeout`: one hour, as the scheduler's own default. */
export const DEFAULT_STEP_TIMEOUT_MS = 3_600_000

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/** A duration written as a number and a unit (`500ms`, `90s`, `10m`, `2h`, `1.5h`), in ms; `undefined` if it is not one. */
export const parseDuration = (text: string): number | undefined => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(text)
  if (match === null) return undefined
  return Math.round(Number(match[1]) * (UNITS[match[2] as string] as number))
}

import { median } from "./measure.ts"

/** Formatting shared by the report's tables. */

export const MIB = 1024 * 1024
/** The peak RSS every scenario must stay under, in KiB. */
export const RSS_TARGET_KIB = 512 * 1024

export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`

/** The median in bold, with the min–max range when there were several runs. */
export const spread = (values: ReadonlyArray<number>, format: (v: number) => string) =>
  values.length === 1
    ? format(values[0] as number)
    : `**${format(median(values))}** (${format(Math.min(...values))}–${format(Math.max(...values))})`

// `undefined` in a list saved as JSON comes back as `null` (`--render`).
/** A sync's stats: entities created ~updated −deleted / relationships likewise. */
export const statsCell = (stats: Record<string, number> | undefined | null): string =>
  stats === undefined || stats === null
    ? "–"
    : `+${stats.entitiesCreated} ~${stats.entitiesUpdated} −${stats.entitiesDeleted} / ` +
      `+${stats.relationshipsCreated} ~${stats.relationshipsUpdated} −${stats.relationshipsDeleted}`

/**
 * How the baselines and `same` were sampled, when in rounds: the connector and SDK alone, the emit floor
 * and `same` one after the other, so that the ratios judged against targets compare samples taken side by side.
 */
export const roundsNote = (
  rounds: number | undefined,
  scenarios = "`sdk-only`, `floor-emit`, `emit-model` and `same`"
): string =>
  rounds === undefined || rounds <= 1
    ? ""
    : `, but ${scenarios}: the median of ${rounds} rounds in each run, one after the other (the ratios judged ` +
      "against targets compare samples taken side by side)"

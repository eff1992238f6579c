import fc from "fast-check"

export interface DagNode {
  readonly id: string
  readonly dependsOn: ReadonlyArray<string>
}

/**
 * Random DAGs: step `i` may depend only on steps with a smaller index, so there is never a cycle; the
 * declaration order is then shuffled so that the scheduler cannot rely on it.
 */
export const randomDag = (options: { readonly minSteps?: number; readonly maxSteps: number }) =>
  fc
    .integer({ min: options.minSteps ?? 0, max: options.maxSteps })
    .chain((size) =>
      fc.tuple(
        fc.tuple(
          ...Array.from({ length: size }, (_, index) =>
            index === 0 ? fc.constant([] as Array<number>) : fc.uniqueArray(fc.nat(index - 1), { maxLength: 3 })
          )
        ),
        fc.shuffledSubarray(
          Array.from({ length: size }, (_, index) => index),
          { minLength: size, maxLength: size }
        )
      )
    )
    .map(
      ([deps, order]): ReadonlyArray<DagNode> =>
        order.map((index) => ({ id: `s${index}`, dependsOn: (deps[index] ?? []).map((dep) => `s${dep}`) }))
    )

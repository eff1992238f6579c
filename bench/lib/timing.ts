/**
 * Starts a clock of both wall and CPU time (this process, all threads); `stop(counts)` prints one JSON
 * line with the counts, the times and the wall time per object (the emit baselines' output).
 */
export const startTiming = () => {
  const cpuAtStart = process.cpuUsage()
  const start = performance.now()
  return (counts: { readonly n: number; readonly entities: number; readonly relationships: number }, extra = {}) => {
    const totalMs = performance.now() - start
    const cpu = process.cpuUsage(cpuAtStart)
    const perObjectUs = (1000 * totalMs) / (counts.entities + counts.relationships)
    console.log(JSON.stringify({ ...counts, totalMs, cpuMs: (cpu.user + cpu.system) / 1000, perObjectUs, ...extra }))
  }
}

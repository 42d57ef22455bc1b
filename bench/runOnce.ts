/**
 * How every benchmark here runs: as a script (`node --import tsx bench/<name>.bench.ts`) it prints its report; under
 * `vitest bench` it is one entry that runs once (vitest's own table only times the whole run; the figures are in the
 * printed report).
 */
export async function runOnce(name: string, run: () => Promise<string>): Promise<void> {
  if (!process.env.VITEST) {
    console.log(await run())
    return
  }
  const { bench } = await import('vitest')
  bench(
    name,
    async () => {
      console.log(await run())
    },
    { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 },
  )
}

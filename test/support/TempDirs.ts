import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

/**
 * Temporary directories made by tests, removed when the whole run ends (`removeTempDirs`, registered by
 * test/support/Preload.ts). `bun test` runs no `process.on("exit")` handler, so a directory left to one
 * stayed behind after every run: the compiled binary alone, 135 MB a run.
 */
const made = new Set<string>()

/** A fresh temporary directory outside the repository, removed after the last test of the run. */
export const tempDir = (prefix = "parallax-e2e-"): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  made.add(dir)
  return dir
}

/** Removes every directory `tempDir` made (those a test removed itself are skipped). */
export const removeTempDirs = (): void => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true })
  made.clear()
}

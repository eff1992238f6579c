/**
 * Loaded before any test file (bunfig.toml, `[test] preload`): hooks of the whole run, not of one file.
 */
import { afterAll } from "bun:test"
import { removeTempDirs } from "./TempDirs.ts"

afterAll(removeTempDirs)

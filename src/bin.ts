#!/usr/bin/env bun
import { VERSION } from "./cli/Version.ts"

/**
 * The entry point. `parallax --version` alone needs nothing but the version, so it is answered before
 * anything else is loaded; every other command line loads the composition root (cli/Main.ts), which
 * parses it and loads only the modules of the command it names.
 */
if (process.argv.length === 3 && process.argv[2] === "--version") {
  process.stdout.write(`${VERSION}\n`)
} else {
  void import("./cli/Main.ts")
}

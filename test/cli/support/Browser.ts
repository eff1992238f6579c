import { existsSync } from "node:fs"
import { type Browser, chromium } from "playwright-core"

/** Debian's chromium, which `.ci/run` installs when it is absent. */
export const CHROMIUM = "/usr/bin/chromium"

/**
 * Headless Debian chromium driven by playwright-core, with everything that would reach for the network
 * switched off (this machine has none, and a page under test must need none).
 */
export const launchChromium = (): Promise<Browser> => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install it with \`apt-get install -y chromium\` (.ci/run does)`)
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run"
    ]
  })
}

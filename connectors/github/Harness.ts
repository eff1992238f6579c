import type { HarnessSetup } from "parallax-connect/harness"
import type { GitHubClient } from "./GitHubClient.ts"
import { fixtureLayer } from "./testing/FixtureServer.ts"
import { type OrgModel, orgModelArbitrary } from "./testing/OrgModel.ts"

/**
 * How `parallax check github` varies the source: generated organisations, each served over real HTTP on
 * loopback by the fixture server (small pages, so pagination is exercised).
 */
export const harness: HarnessSetup<GitHubClient, OrgModel> = {
  sources: orgModelArbitrary("acme"),
  layerFor: (org) => fixtureLayer(org, { pageSize: 3 }),
  config: { org: "acme", token: "test-token" }
}

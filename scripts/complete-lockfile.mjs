#!/usr/bin/env node
// The npm registry reachable from our machines does not serve every platform build of packages that ship
// native binaries as optional dependencies (@biomejs/cli-*, @msgpackr-extract/*, ...). `npm install` then
// leaves those optional dependencies out of package-lock.json, and `npm ci` refuses the lock as out of sync.
// This script records each missing optional platform package in the lock with its os/cpu/libc, so that
// `npm ci` skips it on this platform (it is never fetched). Run it after every `npm install`.
import { readFileSync, writeFileSync } from "node:fs"

const path = new URL("../package-lock.json", import.meta.url)
const lock = JSON.parse(readFileSync(path, "utf8"))
const packages = lock.packages
const platform = (name) => {
  const os = ["android", "darwin", "freebsd", "linux", "openbsd", "sunos", "win32", "aix", "netbsd"].find((os) =>
    name.includes(os)
  )
  const cpu = ["arm64", "aarch64", "x64", "ia32", "arm", "ppc64", "s390x", "riscv64", "loong64"].find((cpu) =>
    name.includes(cpu)
  )
  return {
    ...(os ? { os: [os] } : {}),
    ...(cpu ? { cpu: [cpu === "aarch64" ? "arm64" : cpu] } : {}),
    ...(name.includes("musl") ? { libc: ["musl"] } : {})
  }
}
let added = 0
for (const [location, entry] of Object.entries(packages)) {
  for (const [dependency, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = `${location}/node_modules/${dependency}`
    const hoisted = `node_modules/${dependency}`
    if (packages[nested] || packages[hoisted]) continue
    const spec = platform(dependency)
    if (!spec.os && !spec.cpu) continue
    packages[hoisted] = {
      version: version.replace(/^[\^~=]/, ""),
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...spec
    }
    added++
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1))
)
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`)
console.log(`complete-lockfile: recorded ${added} optional platform packages`)

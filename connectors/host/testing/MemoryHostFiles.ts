import { FileSystem, Path } from "@effect/platform"
import { Effect, Layer } from "effect"
import { ConnectorFailed } from "parallax-connect"
import { HostFiles } from "../HostFiles.ts"
import type { TreeFile } from "./HostTree.ts"

const asText = (content: TreeFile | undefined) =>
  content === undefined || typeof content === "string" ? content : new TextDecoder().decode(content)
const asBytes = (content: TreeFile | undefined) =>
  content === undefined ? undefined : typeof content === "string" ? new TextEncoder().encode(content) : content.slice()

/** HostFiles serving `files` (path → content) from memory: a fake machine for tests and the harness. */
export const memoryLayer = (files: Readonly<Record<string, TreeFile>>): Layer.Layer<HostFiles> =>
  Layer.succeed(
    HostFiles,
    HostFiles.of({
      root: "(memory)",
      readText: (file) =>
        file in files
          ? Effect.succeed(asText(files[file]) as string)
          : Effect.fail(new ConnectorFailed({ reason: `cannot read ${file} (in memory): it does not exist` })),
      readOptional: (file) => Effect.succeed(asText(files[file])),
      readBytes: (file) => Effect.succeed(asBytes(files[file])),
      list: (directory) => {
        const prefix = `${directory}/`
        const names = Object.keys(files)
          .filter((file) => file.startsWith(prefix))
          .map((file) => file.slice(prefix.length).split("/")[0] as string)
        return names.length === 0
          ? Effect.fail(new ConnectorFailed({ reason: `cannot list ${directory} (in memory): it does not exist` }))
          : Effect.succeed([...new Set(names)].sort())
      },
      exists: (file) => Effect.succeed(Object.keys(files).some((path) => path === file || path.startsWith(`${file}/`)))
    })
  )

/** Writes `files` (path → content) under `root`, creating directories as needed. */
export const writeTree = (root: string, files: Readonly<Record<string, TreeFile>>) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    for (const [file, content] of Object.entries(files)) {
      const target = path.join(root, file)
      yield* fs.makeDirectory(path.dirname(target), { recursive: true })
      yield* typeof content === "string" ? fs.writeFileString(target, content) : fs.writeFile(target, content)
    }
  })

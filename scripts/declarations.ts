/**
 * Bundles the type declarations a connector project needs into one file of ambient modules
 * (`declare module "effect/Schema" { ... }`): `parallax-connect`, `parallax-connect/runtime`,
 * `parallax-connect/harness`, and the
 * packages a connector module may import or their types use (`effect`, `@effect/platform`, `fast-check`,
 * `pure-rand`, `@standard-schema/spec`, and what `@effect/platform` uses: `find-my-way-ts`, `multipasta`). `parallax init` writes it next to the
 * project's tsconfig.json, so that `tsc --strict` checks a connector without any `node_modules`.
 *
 *   bun scripts/declarations.ts [OUT]      (default dist/types/parallax.d.ts.txt)
 *
 * `npm run build` runs it first; the binary embeds the file (as text, hence `.txt`). Comments are dropped
 * (size); the declarations are otherwise TypeScript's own, reprinted with relative module specifiers made
 * absolute. Every module a declaration imports must be in the bundle: a missing one would silently type
 * as `any` in a project that skips checking declaration files, so it fails the script instead.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import ts from "typescript"

const root = resolve(import.meta.dir, "..")
const out = resolve(process.argv[2] ?? join(root, "dist/types/parallax.d.ts.txt"))

/** One declaration file and the module name it is declared as. */
interface Declaration {
  readonly path: string
  readonly name: string
  readonly text: string
}

/** Every `.d.ts` file under `dir`, relative to it. */
const declarationFiles = (dir: string): ReadonlyArray<string> =>
  readdirSync(dir, { recursive: true })
    .map(String)
    .filter((file) => file.endsWith(".d.ts"))
    .sort()

/** A package's declarations: `<types root>/<entry>.d.ts` is the package itself, every other file `<package>/<path>`. */
const packageDeclarations = (pkg: string, typesRoot: string, entry: string): ReadonlyArray<Declaration> => {
  const dir = join(root, "node_modules", pkg, typesRoot)
  return declarationFiles(dir).map((file) => {
    const bare = file.replace(/\.d\.ts$/, "")
    return {
      path: join(dir, file),
      name: bare === entry ? pkg : `${pkg}/${bare}`,
      text: readFileSync(join(dir, file), "utf8")
    }
  })
}

/** The SDK's own declarations, emitted from its two public entry points. */
const sdkDeclarations = (): ReadonlyArray<Declaration> => {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, "tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"))
      }
    }
  )
  if (config === undefined) throw new Error("cannot read tsconfig.json")
  const options: ts.CompilerOptions = {
    ...config.options,
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    outDir: join(root, ".declarations"),
    rootDir: root,
    stripInternal: true
  }
  const program = ts.createProgram(
    [join(root, "src/index.ts"), join(root, "src/runtime.ts"), join(root, "harness/index.ts")],
    options
  )
  const emitted: Array<Declaration> = []
  const result = program.emit(undefined, (fileName, text) => {
    const bare = relative(options.outDir as string, fileName).replace(/\.d\.ts$/, "")
    const name =
      bare === "src/index"
        ? "parallax-connect"
        : bare === "src/runtime"
          ? "parallax-connect/runtime"
          : bare === "harness/index"
            ? "parallax-connect/harness"
            : `parallax-connect/${bare}`
    emitted.push({ path: join(root, `${bare}.ts`), name, text })
  })
  const errors = result.diagnostics.filter((diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error)
  if (errors.length > 0)
    throw new Error(ts.formatDiagnostics(errors, { ...ts.sys, getCanonicalFileName: (f) => f, getNewLine: () => "\n" }))
  return emitted
}

/** Every candidate: the SDK's own, and the packages' (only what the SDK's and the public modules reach is kept). */
const candidates: ReadonlyArray<Declaration> = [
  ...sdkDeclarations(),
  ...packageDeclarations("effect", "dist/dts", "index"),
  ...packageDeclarations("@effect/platform", "dist/dts", "index"),
  ...packageDeclarations("find-my-way-ts", "dist/dts", "index"),
  ...packageDeclarations("multipasta", "dist/dts", "index"),
  ...packageDeclarations("fast-check", "lib/esm/types", "fast-check"),
  ...packageDeclarations("pure-rand", "lib/esm/types", "pure-rand"),
  ...packageDeclarations("@standard-schema/spec", "dist", "index")
]
/** What a connector module may import: the SDK's entry points, and the public modules of effect and @effect/platform. */
const isRoot = (name: string) =>
  name === "parallax-connect" ||
  name === "parallax-connect/harness" ||
  /^(effect|@effect\/platform)(\/[A-Za-z]+)?$/.test(name)
/** Declarations that are ambient modules already (`declare module "bun:sqlite"`): the SDK's store types use them. */
const ambient = ["bun-types/sqlite.d.ts"].map((file) => readFileSync(join(root, "node_modules", file), "utf8"))
const ambientNames = ["bun:sqlite"]
const byPath = new Map(candidates.map((declaration) => [declaration.path.replace(/\.(d\.)?ts$/, ""), declaration]))
const byName = new Map(candidates.map((declaration) => [declaration.name, declaration]))

/** The module name a specifier of `from` points at: one of the bundle's, or the script fails. */
const resolveSpecifier = (from: Declaration, specifier: string): string => {
  if (!specifier.startsWith(".")) {
    if (!byName.has(specifier) && !ambientNames.includes(specifier)) {
      throw new Error(`${from.path}: imports ${specifier}, which is not in the bundle`)
    }
    return specifier
  }
  const base = resolve(dirname(from.path), specifier).replace(/\.(js|ts|d\.ts)$/, "")
  const target = byPath.get(base) ?? byPath.get(join(base, "index"))
  if (target === undefined) throw new Error(`${from.path}: cannot resolve ${specifier}`)
  return target.name
}

/** Every module specifier a declaration file names: imports, re-exports, `import("...")` types, augmentations. */
const specifiersOf = (declaration: Declaration): ReadonlyArray<string> => {
  const found: Array<string> = []
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier !== undefined) {
      if (ts.isStringLiteral(node.moduleSpecifier)) found.push(node.moduleSpecifier.text)
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      if (ts.isStringLiteral(node.argument.literal)) found.push(node.argument.literal.text)
    } else if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) {
      found.push(node.name.text)
    }
    ts.forEachChild(node, visit)
  }
  visit(ts.createSourceFile(declaration.path, declaration.text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS))
  return found
}

/** The declarations the roots reach through their imports, in the order of `candidates`. */
const reachable = (): ReadonlyArray<Declaration> => {
  const seen = new Set<string>()
  const pending = candidates.filter((declaration) => isRoot(declaration.name))
  while (pending.length > 0) {
    const next = pending.pop() as Declaration
    if (seen.has(next.name)) continue
    seen.add(next.name)
    for (const specifier of specifiersOf(next)) {
      const name = resolveSpecifier(next, specifier)
      const target = byName.get(name)
      if (target !== undefined && !seen.has(name)) pending.push(target)
    }
  }
  return candidates.filter((declaration) => seen.has(declaration.name))
}
const declarations = reachable()

/** Rewrites module specifiers and drops the `declare` modifiers an ambient module does not allow. */
const transformer =
  (declaration: Declaration): ts.TransformerFactory<ts.SourceFile> =>
  (context) => {
    const { factory } = context
    const specifier = (node: ts.Expression | undefined) =>
      node !== undefined && ts.isStringLiteral(node)
        ? factory.createStringLiteral(resolveSpecifier(declaration, node.text))
        : node
    const withoutDeclare = (modifiers: ts.NodeArray<ts.ModifierLike> | undefined) =>
      modifiers?.filter((modifier) => modifier.kind !== ts.SyntaxKind.DeclareKeyword)
    const visit = (node: ts.Node): ts.Node => {
      if (ts.isImportDeclaration(node)) {
        return factory.updateImportDeclaration(
          node,
          node.modifiers,
          node.importClause,
          specifier(node.moduleSpecifier) as ts.Expression,
          node.attributes
        )
      }
      if (ts.isExportDeclaration(node)) {
        return factory.updateExportDeclaration(
          node,
          node.modifiers,
          node.isTypeOnly,
          node.exportClause,
          specifier(node.moduleSpecifier),
          node.attributes
        )
      }
      if (
        ts.isImportTypeNode(node) &&
        ts.isLiteralTypeNode(node.argument) &&
        ts.isStringLiteral(node.argument.literal)
      ) {
        return factory.updateImportTypeNode(
          node,
          factory.createLiteralTypeNode(
            factory.createStringLiteral(resolveSpecifier(declaration, node.argument.literal.text))
          ),
          node.attributes,
          node.qualifier,
          node.typeArguments?.map((argument) => ts.visitNode(argument, visit) as ts.TypeNode),
          node.isTypeOf
        )
      }
      if (ts.isModuleDeclaration(node) && ts.isStringLiteral(node.name)) {
        // A module augmentation of a sibling file: name the module absolutely.
        return factory.updateModuleDeclaration(
          node,
          node.modifiers,
          factory.createStringLiteral(resolveSpecifier(declaration, node.name.text)),
          node.body
        )
      }
      return ts.visitEachChild(node, visit, context)
    }
    return (file) => {
      const statements = file.statements.map((statement) => {
        const visited = visit(statement) as ts.Statement
        return ts.canHaveModifiers(visited) && visited.modifiers?.some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)
          ? stripDeclare(factory, visited, withoutDeclare(visited.modifiers))
          : visited
      })
      return factory.updateSourceFile(file, statements)
    }
  }

/** The same statement without its `declare` modifier (global augmentations keep theirs). */
const stripDeclare = (
  factory: ts.NodeFactory,
  node: ts.Statement,
  modifiers: ReadonlyArray<ts.ModifierLike> | undefined
): ts.Statement => {
  if (ts.isModuleDeclaration(node) && (node.flags & ts.NodeFlags.GlobalAugmentation) !== 0) return node
  return factory.replaceModifiers(node as ts.HasModifiers, modifiers as ReadonlyArray<ts.Modifier>) as ts.Statement
}

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed })
const chunks = declarations.map((declaration) => {
  const source = ts.createSourceFile(
    declaration.path,
    declaration.text,
    ts.ScriptTarget.Latest,
    false,
    ts.ScriptKind.TS
  )
  const [transformed] = ts.transform(source, [transformer(declaration)]).transformed
  const body = printer
    .printFile(transformed as ts.SourceFile)
    .split("\n")
    .filter((line) => !line.startsWith("/// <reference"))
    .map((line) => (line === "" ? line : `  ${line}`))
    .join("\n")
  return `declare module "${declaration.name}" {\n${body.trimEnd()}\n}\n`
})

const ambientChunks = ambient.map((text) =>
  printer.printFile(ts.createSourceFile("ambient.d.ts", text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS))
)

const header = `// Type declarations for a parallax connector project, written by \`parallax init\`: parallax-connect,
// parallax-connect/harness, effect and @effect/platform, as the parallax binary provides them at run time.
// Generated: do not edit; \`parallax init\` of a newer parallax writes them anew.
`
if (!existsSync(dirname(out))) mkdirSync(dirname(out), { recursive: true })
writeFileSync(out, `${header}\n${[...chunks, ...ambientChunks].join("\n")}`)
console.log(
  `${relative(process.cwd(), out)}: ${declarations.length} modules, ${Math.round(Bun.file(out).size / 1024)} KiB`
)

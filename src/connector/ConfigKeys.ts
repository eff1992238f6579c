import { SchemaAST as AST, Option, type Schema } from "effect"
import { holdsSecret } from "./SecretFields.ts"

/** One key of a connector's configuration, as `parallax document` lists it. */
export interface ConfigKey {
  /** The key, dotted for a nested one (`limits.depth`). */
  readonly path: string
  /** The decoded type, for people: `string`, `number`, `string[]`, `"a" | "b"`, `object`. */
  readonly type: string
  /** Whether the key must be given (it has no default and is not optional). */
  readonly required: boolean
  /** The default, as JSON, when the schema gives one (`Schema.optionalWith(..., { default })`). */
  readonly default?: string
  /** Whether the value is a secret (`Schema.Redacted`): never printed, logged or stored. */
  readonly secret: boolean
  /** The key's `description` annotation, if any. */
  readonly description?: string
}

interface Field {
  readonly name: string
  readonly type: AST.AST
  readonly optional: boolean
  readonly default: Option.Option<unknown>
  readonly description: Option.Option<string>
}

const describedBy = (...signatures: ReadonlyArray<AST.PropertySignature | undefined>): Option.Option<string> =>
  Option.firstSomeOf(
    signatures.map((signature) => (signature ? AST.getDescriptionAnnotation(signature) : Option.none()))
  )

/** The fields of a struct schema as written (encoded side), with their defaults; `[]` for anything else. */
const fieldsOf = (ast: AST.AST): ReadonlyArray<Field> => {
  switch (ast._tag) {
    case "TypeLiteral":
      return ast.propertySignatures.map((signature) => ({
        name: String(signature.name),
        type: signature.type,
        optional: signature.isOptional,
        default: Option.none(),
        description: describedBy(signature)
      }))
    case "Refinement":
      return fieldsOf(ast.from)
    case "Suspend":
      return fieldsOf(ast.f())
    case "Transformation": {
      const from = fieldsOf(ast.from)
      if (ast.transformation._tag !== "TypeLiteralTransformation" || !AST.isTypeLiteral(ast.to)) return from
      const to = ast.to.propertySignatures
      const transformations = ast.transformation.propertySignatureTransformations
      return from.map((field) => {
        const decoded = transformations.find((transformation) => String(transformation.from) === field.name)
        const signature = to.find((candidate) => String(candidate.name) === String(decoded?.to ?? field.name))
        return {
          ...field,
          default: decoded === undefined ? Option.none() : decoded.decode(Option.none()),
          description: Option.orElse(describedBy(signature), () => field.description)
        }
      })
    }
    default:
      return []
  }
}

const isStruct = (ast: AST.AST): boolean =>
  AST.isTypeLiteral(ast) ||
  (AST.isRefinement(ast) && isStruct(ast.from)) ||
  (AST.isTransformation(ast) && isStruct(ast.to)) ||
  (AST.isSuspend(ast) && isStruct(ast.f()))

const unique = (names: ReadonlyArray<string>) => [...new Set(names)]

/** A type as people read it, from the decoded side of `ast`. */
export const typeName = (ast: AST.AST): string => {
  switch (ast._tag) {
    case "StringKeyword":
    case "TemplateLiteral":
      return "string"
    case "NumberKeyword":
      return "number"
    case "BooleanKeyword":
      return "boolean"
    case "BigIntKeyword":
      return "bigint"
    case "UndefinedKeyword":
      return "undefined"
    case "Literal":
      return JSON.stringify(ast.literal)
    case "Enums":
      return unique(ast.enums.map(([, value]) => JSON.stringify(value))).join(" | ")
    case "Union": {
      const members = unique(ast.types.filter((member) => !AST.isUndefinedKeyword(member)).map(typeName))
      return members.join(" | ")
    }
    case "TupleType": {
      const [rest] = ast.rest
      if (ast.elements.length === 0 && rest !== undefined && ast.rest.length === 1) {
        const element = typeName(rest.type)
        return element.includes(" ") ? `(${element})[]` : `${element}[]`
      }
      return `[${ast.elements.map((element) => typeName(element.type)).join(", ")}]`
    }
    case "TypeLiteral":
      return "object"
    case "Refinement":
      return typeName(ast.from)
    case "Transformation":
      return typeName(ast.to)
    case "Suspend":
      return typeName(ast.f())
    case "Declaration":
      return ast.typeParameters.length === 1 ? typeName(ast.typeParameters[0] as AST.AST) : "value"
    default:
      return "value"
  }
}

const json = (value: unknown): string | undefined => {
  try {
    return JSON.stringify(value)
  } catch {
    return undefined
  }
}

/**
 * The keys of a connector's config schema, in the order the schema declares them, nested structs as
 * dotted keys after their parent (a few levels deep): type, default, whether required and whether secret,
 * all read from the schema itself.
 *
 * @example
 * configKeys(Schema.Struct({ token: Schema.Redacted(Schema.String) }))
 * // [{ path: "token", type: "string", required: true, secret: true }]
 */
export const configKeys = (
  // biome-ignore lint/suspicious/noExplicitAny: any config schema, whatever its encoded side
  schema: Schema.Schema<any, any>,
  depth = 4
): ReadonlyArray<ConfigKey> => {
  const walk = (ast: AST.AST, prefix: string, level: number): ReadonlyArray<ConfigKey> =>
    level >= depth
      ? []
      : fieldsOf(ast).flatMap((field) => {
          const path = prefix === "" ? field.name : `${prefix}.${field.name}`
          const fallback = Option.flatMap(field.default, (value) => Option.fromNullable(json(value)))
          const key: ConfigKey = {
            path,
            type: typeName(field.type),
            required: !field.optional && Option.isNone(fallback),
            ...(Option.isSome(fallback) ? { default: fallback.value } : {}),
            secret: !isStruct(field.type) && holdsSecret(field.type),
            ...(Option.isSome(field.description) ? { description: field.description.value } : {})
          }
          return [key, ...(isStruct(field.type) ? walk(field.type, path, level + 1) : [])]
        })
  return walk(schema.ast, "", 0)
}

import { SchemaAST } from "effect"

const isSecret = (ast: SchemaAST.AST): boolean =>
  (ast.annotations[SchemaAST.TypeConstructorAnnotationId] as { readonly _tag?: unknown } | undefined)?._tag ===
  "effect/Redacted"

/** Whether a config schema (or part of one) holds a `Redacted` value anywhere: a secret. */
export const holdsSecret = (ast: SchemaAST.AST): boolean =>
  isSecret(ast) ||
  (SchemaAST.isTransformation(ast) && (isSecret(ast.to) || isSecret(ast.from))) ||
  (SchemaAST.isUnion(ast) && ast.types.some((member) => holdsSecret(member))) ||
  (SchemaAST.isRefinement(ast) && holdsSecret(ast.from)) ||
  (SchemaAST.isTupleType(ast) &&
    [...ast.elements.map((element) => element.type), ...ast.rest.map((rest) => rest.type)].some((inner) =>
      holdsSecret(inner)
    )) ||
  (SchemaAST.isTypeLiteral(ast) && ast.propertySignatures.some((field) => holdsSecret(field.type)))

// Which enterprises an operation is about: the USCC values in its arguments, literal or from
// variables, at any depth of input objects and lists. Consent is resolved for exactly these.
import {
  TypeInfo,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isListType,
  valueFromAST,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';

const USCC_TYPE = 'USCC';

function collect(type: GraphQLInputType, value: unknown, into: Set<string>): void {
  if (value === null || value === undefined) return;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    for (const item of Array.isArray(value) ? value : [value]) collect(nullable.ofType, item, into);
  } else if (isInputObjectType(nullable)) {
    for (const field of Object.values(nullable.getFields())) collect(field.type, (value as Record<string, unknown>)[field.name], into);
  } else if (getNamedType(nullable).name === USCC_TYPE && typeof value === 'string') {
    into.add(value);
  }
}

export function namedEnterprises(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
): string[] {
  const found = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument: (node) => {
        const type = typeInfo.getInputType();
        if (type) collect(type, valueFromAST(node.value, type, variables), found);
      },
    }),
  );
  return [...found];
}

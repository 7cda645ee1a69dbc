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

/** Keeps a USCC found under this argument or input field name (`uscc`, `authorityUscc`, ...). */
type NameFilter = (name: string) => boolean;

function collect(type: GraphQLInputType, value: unknown, name: string, into: Set<string>, keep: NameFilter): void {
  if (value === null || value === undefined) return;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    for (const item of Array.isArray(value) ? value : [value]) collect(nullable.ofType, item, name, into, keep);
  } else if (isInputObjectType(nullable)) {
    for (const field of Object.values(nullable.getFields())) {
      collect(field.type, (value as Record<string, unknown>)[field.name], field.name, into, keep);
    }
  } else if (getNamedType(nullable).name === USCC_TYPE && typeof value === 'string' && keep(name)) {
    into.add(value);
  }
}

/**
 * The USCCs an operation names in its arguments. `keep` narrows them by the argument or input
 * field's name: a write's subject is its `uscc`, while `authorityUscc` names an authority.
 */
export function namedEnterprises(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  keep: NameFilter = () => true,
): string[] {
  const found = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument: (node) => {
        const type = typeInfo.getInputType();
        if (type) collect(type, valueFromAST(node.value, type, variables), node.name.value, found, keep);
      },
    }),
  );
  return [...found];
}

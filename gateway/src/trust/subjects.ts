// Which enterprises an operation is about: the USCC values in its arguments, literal or from
// variables, at any depth of input objects and lists. Consent is resolved for exactly these.
import {
  Kind,
  TypeInfo,
  getNamedType,
  getOperationAST,
  getNullableType,
  isInputObjectType,
  isListType,
  valueFromAST,
  visit,
  visitWithTypeInfo,
  type ASTNode,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql';
import { fragmentsByName, variablesWithDefaults } from './operation.ts';

const USCC_TYPE = 'USCC';

/** Keeps a USCC found under this argument or input field name (`uscc`, `authorityUscc`, ...). */
type NameFilter = (name: string) => boolean;

/**
 * The USCCs an operation names in its arguments (`sent`: the request's variables; the
 * operation's default values fill those not sent). `keep` narrows them by the argument or input
 * field's name: a write's subject is its `uscc`, while `authorityUscc` names an authority.
 * Only the operation `operationName` selects (and the fragments it spreads) is read; each
 * fragment once, and each variable's value once per argument name and type it is given to, so
 * the time is linear in the document plus the variables, however often they are used.
 */
export function namedEnterprises(
  schema: GraphQLSchema,
  document: DocumentNode,
  sent: Record<string, unknown> | undefined,
  keep: NameFilter = () => true,
  operationName?: string | null,
): string[] {
  const found = new Set<string>();
  const operation = getOperationAST(document, operationName);
  if (!operation) return [];
  const variables = variablesWithDefaults(operation, sent ?? {});
  const fragments = fragmentsByName(document);
  const collectedVariables = new Set<string>();

  const collectValue = (type: GraphQLInputType, value: unknown, name: string): void => {
    if (value === null || value === undefined) return;
    const nullable = getNullableType(type);
    if (isListType(nullable)) {
      for (const item of Array.isArray(value) ? value : [value]) collectValue(nullable.ofType, item, name);
    } else if (isInputObjectType(nullable)) {
      if (typeof value !== 'object') return;
      for (const [field, fieldValue] of Object.entries(value as Record<string, unknown>)) {
        const definition = nullable.getFields()[field];
        if (definition) collectValue(definition.type, fieldValue, field);
      }
    } else if (getNamedType(nullable).name === USCC_TYPE && typeof value === 'string' && keep(name)) {
      found.add(value);
    }
  };

  const collectNode = (type: GraphQLInputType, node: ValueNode, name: string): void => {
    const nullable = getNullableType(type);
    if (node.kind === Kind.VARIABLE) {
      const key = `${node.name.value}|${name}|${String(type)}`;
      if (collectedVariables.has(key)) return;
      collectedVariables.add(key);
      collectValue(type, variables[node.name.value], name);
    } else if (node.kind === Kind.LIST) {
      const item = isListType(nullable) ? nullable.ofType : type;
      for (const value of node.values) collectNode(item, value, name);
    } else if (node.kind === Kind.OBJECT) {
      if (!isInputObjectType(nullable)) return;
      for (const field of node.fields) {
        const definition = nullable.getFields()[field.name.value];
        if (definition) collectNode(definition.type, field.value, field.name.value);
      }
    } else if (isListType(nullable)) {
      collectNode(nullable.ofType, node, name); // one value given for a list is a list of one
    } else {
      collectValue(type, valueFromAST(node, type), name);
    }
  };

  const spread = new Set<string>();
  const pending: ASTNode[] = [operation];
  const typeInfo = new TypeInfo(schema);
  const visitor = visitWithTypeInfo(typeInfo, {
    Argument: (node) => {
      const type = typeInfo.getArgument()?.type;
      if (type) collectNode(type, node.value, node.name.value);
    },
    FragmentSpread: (node) => {
      const fragment = fragments.get(node.name.value);
      if (fragment && !spread.has(node.name.value)) {
        spread.add(node.name.value);
        pending.push(fragment);
      }
    },
  });
  for (let next = pending.pop(); next; next = pending.pop()) visit(next, visitor);
  return [...found];
}

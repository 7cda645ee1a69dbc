// What every pass over an operation needs first, done one way: the document's fragments by
// name, and the variables as execution reads them.
import { Kind, valueFromASTUntyped, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';

/** The document's fragment definitions by name (one pass over its definitions). */
export function fragmentsByName(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}

/**
 * The variables as execution reads them, untyped: a variable not sent takes the operation's
 * default value (which names an enterprise, or sizes a list, as surely as a value sent). Own
 * properties only: a variable named `toString` is not Object.prototype's.
 */
export function variablesWithDefaults(operation: OperationDefinitionNode, sent: Record<string, unknown>): Record<string, unknown> {
  const variables: Record<string, unknown> = Object.assign(Object.create(null), sent);
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (variables[name] === undefined && definition.defaultValue) variables[name] = valueFromASTUntyped(definition.defaultValue);
  }
  return variables;
}

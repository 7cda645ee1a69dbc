// Scalar implementations shared by every subgraph (and checked by the gateway before planning).
import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { DateResolver, DateTimeResolver } from 'graphql-scalars';
import { creditGraphError } from './errors.ts';
import { checkUscc } from './uscc.ts';

/** Throws a BAD_USER_INPUT error naming what is wrong with a code a caller sent. */
export function assertUsccInput(value: unknown): string {
  const problem = checkUscc(value);
  if (problem) {
    throw creditGraphError('BAD_USER_INPUT', problem.message, {
      argumentType: 'USCC',
      ...(problem.position ? { position: problem.position } : {}),
      ...(problem.expected ? { expected: problem.expected } : {}),
    });
  }
  return value as string;
}

export const USCCScalar = new GraphQLScalarType<string, string>({
  name: 'USCC',
  description: 'Unified social credit code (GB 32100-2015): 18 characters with two check characters.',
  // Output is not re-checked: the registry may hold a known legacy code that fails the check.
  serialize: (value) => String(value),
  parseValue: assertUsccInput,
  parseLiteral: (ast: ValueNode) => {
    if (ast.kind !== Kind.STRING) {
      throw creditGraphError('BAD_USER_INPUT', `USCC must be a string of 18 characters, got a ${ast.kind} literal`, {
        argumentType: 'USCC',
      });
    }
    return assertUsccInput(ast.value);
  },
});

export const DateScalar = DateResolver;
export const DateTimeScalar = DateTimeResolver;

/** Resolver map entries for the scalars declared in shared.graphql. */
export const sharedScalarResolvers = {
  USCC: USCCScalar,
  Date: DateScalar,
  DateTime: DateTimeScalar,
};

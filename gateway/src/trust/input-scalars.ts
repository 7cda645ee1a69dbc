// The gateway's API schema knows custom scalars only by name and would pass any value
// through to a subgraph. Installing the contract's input checks on it refuses a malformed
// USCC or an impossible date before query planning, with the same BAD_USER_INPUT error a
// subgraph would give.
import { isScalarType, type GraphQLSchema } from 'graphql';
import { DateScalar, DateTimeScalar, USCCScalar } from '@credit-graph/contract';

const INPUT_SCALARS = [USCCScalar, DateScalar, DateTimeScalar];

export function installInputScalars(schema: GraphQLSchema): void {
  for (const implementation of INPUT_SCALARS) {
    const type = schema.getType(implementation.name);
    if (!isScalarType(type)) continue; // another supergraph may not use it
    // Only the input side: outputs pass through as the subgraph serialized them.
    type.parseValue = implementation.parseValue;
    type.parseLiteral = implementation.parseLiteral;
  }
}

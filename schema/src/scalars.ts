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

/** Dates and instants a caller may send: the city's records start after 1900 and plan before 3000. */
export const MIN_INPUT_YEAR = 1900;
export const MAX_INPUT_YEAR = 2999;

/**
 * A graphql-scalars date scalar whose input side refuses, with BAD_USER_INPUT naming the
 * type, what it refuses (2026-02-30, 99999-01-01, a number) and years outside
 * MIN_INPUT_YEAR..MAX_INPUT_YEAR, so that no stored date is one a database or a later
 * calculation cannot hold. Output is as graphql-scalars serializes it.
 */
function boundedDateScalar(base: GraphQLScalarType<Date, unknown>, example: string): GraphQLScalarType<Date, unknown> {
  const check = (parse: () => Date, shown: unknown): Date => {
    let value: Date;
    try {
      value = parse();
    } catch {
      throw creditGraphError('BAD_USER_INPUT', `${base.name} must be a valid ${base.name === 'Date' ? 'calendar date' : 'RFC 3339 instant'} such as ${example}, got ${preview(shown)}`, {
        argumentType: base.name,
      });
    }
    const year = value.getUTCFullYear();
    if (year < MIN_INPUT_YEAR || year > MAX_INPUT_YEAR) {
      throw creditGraphError('BAD_USER_INPUT', `${base.name} must be in the years ${MIN_INPUT_YEAR} to ${MAX_INPUT_YEAR}, got ${preview(shown)}`, {
        argumentType: base.name,
      });
    }
    return value;
  };
  return new GraphQLScalarType<Date, unknown>({
    ...base.toConfig(),
    parseValue: (value) => check(() => base.parseValue(value), value),
    parseLiteral: (ast, variables) => check(() => base.parseLiteral(ast, variables), ast.kind === Kind.STRING ? ast.value : ast.kind),
  });
}

/** At most 40 characters of a refused value, quoted: enough to recognise it, never a megabyte. */
function preview(value: unknown): string {
  const text = typeof value === 'string' ? value : String(value);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

export const DateScalar = boundedDateScalar(DateResolver as GraphQLScalarType<Date, unknown>, '2026-03-31');
export const DateTimeScalar = boundedDateScalar(DateTimeResolver as GraphQLScalarType<Date, unknown>, '2026-03-31T08:00:00Z');

/** Resolver map entries for the scalars declared in shared.graphql. */
export const sharedScalarResolvers = {
  USCC: USCCScalar,
  Date: DateScalar,
  DateTime: DateTimeScalar,
};

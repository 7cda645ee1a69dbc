// Input bounds, the one mechanism for every subgraph and the gateway-hosted trust subgraph:
// each String, ID, Int and Float input (argument or input-object field) declares its bounds
// in the SDL with `@bounds` (shared.graphql), next to what it means:
//
//   reason: String! @bounds(maxLength: 2000)
//   first: Int = 20 @bounds(min: 1, max: 100)
//   measures: [String!]! @bounds(maxItems: 20, maxLength: 200)
//
// applyInputBounds checks them before a field's resolver runs, so that no oversized string,
// control character or out-of-range number reaches a query or a database column: the caller
// gets BAD_USER_INPUT naming the input (`extensions.field`, e.g. `input.reason`). A schema in
// which such an input declares no bounds is refused when the service starts.
import {
  defaultFieldResolver,
  getNamedType,
  getNullableType,
  isInputObjectType,
  isIntrospectionType,
  isListType,
  isObjectType,
  isScalarType,
  Kind,
  parse,
  type ConstDirectiveNode,
  type GraphQLArgument,
  type GraphQLInputField,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { creditGraphError } from './errors.ts';

export const BOUNDS_DIRECTIVE = 'bounds';
/** Scalars whose inputs must declare bounds: free text and numbers. Enums and USCC/Date check themselves. */
const BOUNDED_SCALARS = new Set(['String', 'ID', 'Int', 'Float']);
const NUMERIC_SCALARS = new Set(['Int', 'Float']);
/** C0 control characters and DEL, except tab, line feed and carriage return (PostgreSQL refuses NUL). */
const CONTROL_CHARACTER = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
/**
 * Half of a surrogate pair without its other half (JSON's "\ud800"): no Unicode text, so no
 * database or JSON encoder downstream accepts it (Prisma's query engine fails on it).
 */
const LONE_SURROGATE = /\p{Cs}/u;

export interface InputBounds {
  /** Most UTF-16 code units of each string (of each item, for a list). */
  maxLength?: number;
  /** Most items of a list. */
  maxItems?: number;
  /** Least and greatest value of a number. */
  min?: number;
  max?: number;
}

export class InputBoundsError extends Error {
  readonly code = 'INVALID_SCHEMA';
}

function boundsOf(node: { directives?: readonly ConstDirectiveNode[] } | undefined | null): InputBounds | undefined {
  const directive = node?.directives?.find((d) => d.name.value === BOUNDS_DIRECTIVE);
  if (!directive) return undefined;
  const bounds: InputBounds = {};
  for (const argument of directive.arguments ?? []) {
    const value = argument.value;
    if (value.kind === Kind.INT || value.kind === Kind.FLOAT) bounds[argument.name.value as keyof InputBounds] = Number(value.value);
  }
  return bounds;
}

/**
 * The `@bounds` of every field argument an SDL declares (a subgraph's, or a supergraph that
 * composes @bounds with @composeDirective, as shared.graphql does), by schema coordinate
 * (`Query.searchEnterprises(first:)`). In: SDL text or its parsed document; out: a map of the
 * declared bounds (an argument without @bounds is absent). The gateway sizes lists by them
 * (gateway/src/trust/limits.ts): a subgraph never serves more than its bounds allow.
 * Throws graphql-js's GraphQLError on text that does not parse.
 */
export function argumentBounds(sdl: string | DocumentNode): Map<string, InputBounds> {
  const document = typeof sdl === 'string' ? parse(sdl, { noLocation: true }) : sdl;
  const bounds = new Map<string, InputBounds>();
  for (const definition of document.definitions) {
    if (!('fields' in definition) || !('name' in definition) || !definition.name) continue;
    for (const field of definition.fields ?? []) {
      if (!('arguments' in field)) continue;
      for (const argument of field.arguments ?? []) {
        const declared = boundsOf(argument);
        if (declared) bounds.set(`${definition.name.value}.${field.name.value}(${argument.name.value}:)`, declared);
      }
    }
  }
  return bounds;
}

/** A check of one input value; `field` is its path as the caller wrote it (`input.measures[2]`). */
type Check = (value: unknown, field: string) => void;

function refuse(field: string, message: string, extensions: Record<string, unknown> = {}): never {
  // argumentName: the argument the field is in (`input` for `input.reason`), as elsewhere.
  throw creditGraphError('BAD_USER_INPUT', `${field}: ${message}`, { field, argumentName: /^\w+/.exec(field)?.[0], ...extensions });
}

/**
 * Compiles the check of an input of `type` with `bounds`; undefined when nothing in it is
 * bounded. `missing` collects inputs that must declare bounds and do not.
 */
function compile(
  type: GraphQLInputType,
  bounds: InputBounds | undefined,
  coordinate: string,
  missing: string[],
  objects: Map<GraphQLInputObjectType, Check | undefined>,
): Check | undefined {
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    const item = compile(nullable.ofType, bounds, coordinate, missing, objects);
    if (bounds?.maxItems === undefined) {
      if (isScalarType(getNamedType(nullable)) && BOUNDED_SCALARS.has(getNamedType(nullable).name)) missing.push(`${coordinate} (maxItems)`);
      if (!item) return undefined;
    }
    return (value, field) => {
      if (!Array.isArray(value)) return item?.(value, field);
      if (bounds?.maxItems !== undefined && value.length > bounds.maxItems) {
        refuse(field, `must have at most ${bounds.maxItems} items, got ${value.length}`, { maximum: bounds.maxItems });
      }
      if (item) value.forEach((entry, index) => item(entry, `${field}[${index}]`));
    };
  }
  if (isInputObjectType(nullable)) return objectCheck(nullable, missing, objects);
  if (!isScalarType(nullable) || !BOUNDED_SCALARS.has(nullable.name)) return undefined;
  if (NUMERIC_SCALARS.has(nullable.name)) {
    if (bounds?.min === undefined || bounds.max === undefined) {
      missing.push(`${coordinate} (min and max)`);
      return undefined;
    }
    const { min, max } = bounds;
    return (value, field) => {
      if (typeof value === 'number' && (!(value >= min) || !(value <= max))) {
        refuse(field, `must be between ${min} and ${max}, got ${value}`, { minimum: min, maximum: max });
      }
    };
  }
  if (bounds?.maxLength === undefined) {
    missing.push(`${coordinate} (maxLength)`);
    return undefined;
  }
  const { maxLength } = bounds;
  return (value, field) => {
    if (typeof value !== 'string') return;
    if (value.length > maxLength) refuse(field, `must be at most ${maxLength} characters, got ${value.length}`, { maximum: maxLength });
    if (CONTROL_CHARACTER.test(value)) refuse(field, 'must not contain control characters');
    if (LONE_SURROGATE.test(value)) refuse(field, 'must be valid Unicode text (it holds half of a surrogate pair)');
  };
}

function objectCheck(
  type: GraphQLInputObjectType,
  missing: string[],
  objects: Map<GraphQLInputObjectType, Check | undefined>,
): Check | undefined {
  // Memoised per type (and cut on recursion): each input type is compiled once.
  if (objects.has(type)) return objects.get(type);
  objects.set(type, undefined);
  const fields = Object.values(type.getFields())
    .map((field: GraphQLInputField) => ({
      name: field.name,
      check: compile(field.type, boundsOf(field.astNode), `${type.name}.${field.name}`, missing, objects),
    }))
    .filter((entry): entry is { name: string; check: Check } => entry.check !== undefined);
  const check: Check | undefined =
    fields.length === 0
      ? undefined
      : (value, field) => {
          if (value === null || typeof value !== 'object') return;
          for (const entry of fields) entry.check((value as Record<string, unknown>)[entry.name], `${field}.${entry.name}`);
        };
  objects.set(type, check);
  return check;
}

/**
 * Checks the `@bounds` of every argument and input field of `schema` before the resolver of
 * the field it belongs to runs (resolvers are wrapped in place; the schema is returned).
 * Throws InputBoundsError naming every String, ID, Int or Float input without bounds.
 */
export function applyInputBounds(schema: GraphQLSchema): GraphQLSchema {
  const missing: string[] = [];
  const objects = new Map<GraphQLInputObjectType, Check | undefined>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const checks = field.args
        .map((arg: GraphQLArgument) => ({
          name: arg.name,
          check: compile(arg.type, boundsOf(arg.astNode), `${type.name}.${field.name}(${arg.name})`, missing, objects),
        }))
        .filter((entry): entry is { name: string; check: Check } => entry.check !== undefined);
      if (checks.length === 0) continue;
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context, info) => {
        for (const { name, check } of checks) check(args[name], name);
        return resolve(source, args, context, info);
      };
    }
  }
  if (missing.length > 0) {
    throw new InputBoundsError(`These inputs declare no @bounds (see schema/src/input-bounds.ts): ${missing.join(', ')}`);
  }
  return schema;
}

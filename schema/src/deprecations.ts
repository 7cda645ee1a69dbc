// The schema's deprecation policy as code (docs/integration.md, "Schema changes and
// deprecation"): every deprecated element (field, argument, input field, enum value) carries a
// reason that ends with its removal date, `Removal: YYYY-MM-DD.`; and the deprecated elements an
// operation uses can be listed, so that answers and logs tell integrators what to migrate.
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';

/** The end of every deprecation reason: the day the element may be removed (Asia/Shanghai). */
export const REMOVAL_DATE = /Removal: (\d{4})-(\d{2})-(\d{2})\.?$/;

/** A deprecated element: its schema coordinate (`Type.field`, `Type.field(arg:)`, `Enum.VALUE`) and reason. */
export interface Deprecation {
  coordinate: string;
  reason: string;
}

function validDate(year: string, month: string, day: string): boolean {
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
}

/** Every deprecated element of `schema` (built-in `__` types left out), in schema order. */
export function deprecations(schema: GraphQLSchema): Deprecation[] {
  const found: Deprecation[] = [];
  const note = (coordinate: string, reason: string | null | undefined) => {
    if (reason !== null && reason !== undefined) found.push({ coordinate, reason });
  };
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        note(`${type.name}.${field.name}`, field.deprecationReason);
        for (const arg of field.args) note(`${type.name}.${field.name}(${arg.name}:)`, arg.deprecationReason);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) note(`${type.name}.${field.name}`, field.deprecationReason);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) note(`${type.name}.${value.name}`, value.deprecationReason);
    }
  }
  return found;
}

/**
 * The policy's problems in `schema`, one sentence each (empty: it complies): a deprecation whose
 * reason is missing (graphql-js's default "No longer supported") or does not end with a valid
 * `Removal: YYYY-MM-DD` date.
 */
export function deprecationProblems(schema: GraphQLSchema): string[] {
  return deprecations(schema).flatMap(({ coordinate, reason }) => {
    if (reason.trim() === '' || reason === 'No longer supported') return [`${coordinate} is deprecated without a reason`];
    const date = REMOVAL_DATE.exec(reason.trim());
    if (!date) return [`${coordinate}: the reason "${reason}" does not end with "Removal: YYYY-MM-DD."`];
    if (!validDate(date[1]!, date[2]!, date[3]!)) return [`${coordinate}: the removal date ${date[0]} is not a calendar date`];
    return [];
  });
}

/**
 * The deprecated fields, arguments and enum values (in literals) `document` selects or uses, each
 * once, in document order. In: a document already validated against `schema`. Linear in the
 * document's size (one visit).
 */
export function deprecatedUsages(schema: GraphQLSchema, document: DocumentNode): Deprecation[] {
  const found = new Map<string, string>();
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field() {
        const field = typeInfo.getFieldDef();
        const parent = typeInfo.getParentType();
        if (field?.deprecationReason && parent) found.set(`${parent.name}.${field.name}`, field.deprecationReason);
      },
      Argument() {
        const arg = typeInfo.getArgument();
        const field = typeInfo.getFieldDef();
        const parent = typeInfo.getParentType();
        if (arg?.deprecationReason && field && parent) found.set(`${parent.name}.${field.name}(${arg.name}:)`, arg.deprecationReason);
      },
      EnumValue() {
        const value = typeInfo.getEnumValue();
        const type = getNamedType(typeInfo.getInputType());
        if (value?.deprecationReason && type) found.set(`${type.name}.${value.name}`, value.deprecationReason);
      },
    }),
  );
  return [...found].map(([coordinate, reason]) => ({ coordinate, reason }));
}

// The one schema change Hive Gateway needs: it cannot load Credit Graph's supergraph. Its
// federation-to-stitching conversion isolates the fields each sector subgraph computes with
// @requires, and marks their return type canonical in every subgraph where it is only reachable
// through such a field: SectorCreditSignals (the five sector signals the registry's
// comprehensive evaluation requires) ends up canonical five times, and stitching stops with
// `Multiple canonical definitions for "SectorCreditSignals"` (Hive Gateway 1.16 to 2.15 alike).
// Hive therefore gets the supergraph without `Enterprise.<sector>Signals` and
// `Enterprise.evaluation`; no benchmark operation selects them.
import { Kind, parse, print, type DefinitionNode } from 'graphql';

export const HIVE_REMOVED_FIELDS = /^(financeSignals|supplyChainSignals|environmentSignals|housekeepingSignals|tradeSignals|evaluation)$/;

export function supergraphForHive(sdl: string): string {
  const document = parse(sdl);
  const definitions: DefinitionNode[] = document.definitions.map((definition) =>
    definition.kind === Kind.OBJECT_TYPE_DEFINITION && definition.name.value === 'Enterprise'
      ? { ...definition, fields: definition.fields?.filter((field) => !HIVE_REMOVED_FIELDS.test(field.name.value)) }
      : definition,
  );
  return print({ ...document, definitions });
}

import { describe, expect, it } from 'vitest';
import { Supergraph } from '@apollo/federation-internals';
import { parse, print } from 'graphql';
import { ANONYMOUS_CALLER, ROLE_SCOPES, type Caller } from '@credit-graph/contract';
import { composeSupergraph } from '@credit-graph/contract/compose';
import { filterOperation, isAllowed, readRequirements } from '../src/trust/authorization.ts';
import { prepareSupergraph } from '../src/supergraph.ts';
import { ConfigError } from '../src/config.ts';

const composed = composeSupergraph();
const prepared = prepareSupergraph(composed);
const schema = Supergraph.build(prepared).apiSchema().toGraphQLJSSchema();
const requirements = readRequirements(prepared);
const bank: Caller = { subject: 'officer-1', role: 'BANK', scopes: ROLE_SCOPES.BANK, institution: '91410100MA0000000X' };
const developer: Caller = { subject: 'dev-1', role: 'DEVELOPER', scopes: ROLE_SCOPES.DEVELOPER };

function filter(query: string, caller: Caller) {
  return filterOperation(schema, parse(query), undefined, requirements, caller);
}

describe('authorization directives in the supergraph', () => {
  it('keeps @requiresScopes through composition, marked for SECURITY', () => {
    expect(composed).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/requiresScopes\/v0\.1", for: SECURITY\)/);
    expect(composed).toMatch(/finance: FinanceProfile @join__field\(graph: FINANCE[^)]*\) @requiresScopes\(scopes: \[\["credit:read"\]\]\)/);
  });

  it('tells the planner it enforces requiresScopes itself, and nothing else', () => {
    expect(prepared).not.toMatch(/requiresScopes\/v0\.1", for: SECURITY/);
    expect(prepared).toMatch(/join\/v0\.5", for: EXECUTION/);
  });

  it('refuses to serve a supergraph with a security feature it does not enforce', () => {
    const withPolicy = composed.replace(
      '@link(url: "https://specs.apollo.dev/link/v1.0")',
      '@link(url: "https://specs.apollo.dev/link/v1.0")\n  @link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)',
    );
    expect(() => prepareSupergraph(withPolicy)).toThrow(ConfigError);
    expect(() => prepareSupergraph(withPolicy)).toThrow(/policy\/v0\.1/);
  });

  it('reads the guarded fields', () => {
    expect(requirements.get('Enterprise.finance')).toEqual({ authenticated: true, scopes: [['credit:read']] });
    expect(requirements.get('TradeProfile.investments')?.scopes).toEqual([['credit:read']]);
    expect(requirements.has('Enterprise.name')).toBe(false);
  });

  it('allows by scope alternatives', () => {
    const requirement = { authenticated: true, scopes: [['a', 'b'], ['c']] };
    expect(isAllowed(requirement, { ...bank, scopes: ['a'] })).toBe(false);
    expect(isAllowed(requirement, { ...bank, scopes: ['a', 'b'] })).toBe(true);
    expect(isAllowed(requirement, { ...bank, scopes: ['c'] })).toBe(true);
    expect(isAllowed({ authenticated: true, scopes: [] }, ANONYMOUS_CALLER)).toBe(false);
  });
});

describe('filtering an operation before planning', () => {
  const query = `query Check($u: USCC!) {
    enterprise(uscc: $u) { name finance { currentTaxCreditLevel } trade { customsCredit { category } volumes { year } } }
  }`;

  it('leaves an allowed operation untouched', () => {
    const { document, removals } = filter(query, bank);
    expect(removals).toEqual([]);
    expect(print(document)).toBe(print(parse(query)));
  });

  it('removes what a public caller may not read and says where it was', () => {
    const { document, removals } = filter(query, ANONYMOUS_CALLER);
    expect(removals.map((r) => [r.coordinate, r.path.join('.')])).toEqual([
      ['Enterprise.finance', 'enterprise.finance'],
      ['TradeProfile.volumes', 'enterprise.trade.volumes'],
    ]);
    const printed = print(document);
    expect(printed).not.toContain('finance');
    expect(printed).not.toContain('volumes');
    expect(printed).toContain('customsCredit');
  });

  it('follows aliases, named fragments and inline fragments', () => {
    const { removals, document } = filter(
      `query { enterprises(usccs: []) { ...Risk } a: enterprise(uscc: "x") { ... on Enterprise { f: finance { currentTaxCreditLevel } } } }
       fragment Risk on Enterprise { name supplyChain { partners { relation } } }`,
      developer,
    );
    expect(removals.map((r) => r.path.join('.')).sort()).toEqual(['a.f', 'enterprises.supplyChain']);
    expect(print(document)).not.toMatch(/supplyChain|finance/);
  });

  it('keeps a selection set valid when every field in it is removed', () => {
    const { document } = filter('{ enterprise(uscc: "x") { finance { currentTaxCreditLevel } } }', ANONYMOUS_CALLER);
    expect(print(document)).toContain('__authorization_placeholder: __typename');
  });
});

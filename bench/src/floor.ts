// The floor (issue 13): what a credit check costs at the least, for the benchmark's ratios. One
// process answers the bank's single check and portfolio check (the bodies of scenarios.ts) by
// sending the very statements the subgraphs send (each subgraph's exported `reads`, the SQL its
// loaders run through Prisma's raw API) with pg, to the same databases, batched as a federated
// request batches them (one statement per loader per fetch of the query plan, same keys), and
// building the same JSON answer from the rows. No GraphQL, no federation, no HTTP hop between
// services, no authorization, record-state or masking rules: their cost is what the ratio shows.
//
// Environment: PORT, HOST, <SUBGRAPH>_DATABASE_URL for the six subgraphs, DATABASE_POOL_SIZE. GET /metrics reports
// `credit_graph_sql_statements_total` like a subgraph, so the bench counts the floor's statements.
import { createServer, type IncomingMessage } from 'node:http';
import pg from 'pg';
import { databaseUrlVariable } from '@credit-graph/contract';
import { reads as registry } from '../../subgraphs/registry/src/loaders.ts';
import { reads as finance } from '../../subgraphs/finance/src/loaders.ts';
import { reads as supplyChain } from '../../subgraphs/supply-chain/src/loaders.ts';
import { reads as environment } from '../../subgraphs/environment/src/loaders.ts';
import { reads as housekeeping } from '../../subgraphs/housekeeping/src/loaders.ts';
import { reads as trade } from '../../subgraphs/trade/src/loaders.ts';

type Row = Record<string, unknown>;
type Read = (keys: readonly string[]) => { text: string; values: unknown[] };

// Dates as the subgraphs hand them out (`YYYY-MM-DD`), numerics as numbers (the GraphQL answer's Float).
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));

const pools = Object.fromEntries(
  ['registry', 'finance', 'supply-chain', 'environment', 'housekeeping', 'trade'].map((name) => {
    const url = process.env[databaseUrlVariable(name)];
    if (!url) throw new Error(`${databaseUrlVariable(name)} is not set`);
    // The subgraphs' pool size in the bench (DATABASE_POOL_SIZE, set by run.ts).
    return [name, new pg.Pool({ connectionString: url, max: Number(process.env.DATABASE_POOL_SIZE ?? 4), options: '-c TimeZone=UTC' })];
  }),
) as Record<string, pg.Pool>;

let statements = 0;

/** One statement for a batch of keys; rows grouped by `key` (one-to-many) in the statement's order. */
async function grouped(pool: pg.Pool, read: Read, keys: readonly string[], key = 'uscc'): Promise<Map<string, Row[]>> {
  const groups = new Map<string, Row[]>();
  if (keys.length === 0) return groups;
  const { text, values } = read(keys);
  statements++;
  for (const row of (await pool.query<Row>(text, values)).rows) {
    const k = row[key] as string;
    const group = groups.get(k);
    if (group) group.push(row);
    else groups.set(k, [row]);
  }
  return groups;
}

/** One statement for a batch of keys; at most one row per key. */
async function single(pool: pg.Pool, read: Read, keys: readonly string[], key = 'uscc'): Promise<Map<string, Row>> {
  const rows = new Map<string, Row>();
  for (const [k, group] of await grouped(pool, read, keys, key)) rows.set(k, group[0]!);
  return rows;
}

const unique = (keys: Iterable<string>) => [...new Set(keys)];
const pick = (row: Row, fields: string[]) => Object.fromEntries(fields.map((field) => [field, row[field] ?? null]));
const list = (groups: Map<string, Row[]>, uscc: string, fields: string[]) => (groups.get(uscc) ?? []).map((row) => pick(row, fields));

/**
 * One subgraph's part of a fetch, batched as its loaders batch it: the anchor rows first (the
 * entity or the sector's profile), then each list for the enterprises that have an anchor (a
 * resolver below a null profile never runs). Lists whose name is not in `lists` are not read.
 */
async function anchored<Name extends string>(pool: pg.Pool, anchor: Read, lists: Record<Name, Read>, usccs: string[]) {
  const anchors = await single(pool, anchor, usccs);
  const present = usccs.filter((uscc) => anchors.has(uscc));
  const read = await Promise.all(Object.entries<Read>(lists).map(async ([name, list]) => [name, await grouped(pool, list, present)] as const));
  return { anchors, present, ...(Object.fromEntries(read) as Record<Name, Map<string, Row[]>>) };
}

const severeListed = (entries: Row[] | undefined) => (entries ?? []).some((entry) => entry.listType === 'SEVERE' && entry.removedOn === null);
const first = (groups: Map<string, Row[]>, uscc: string, fields: string[]) => {
  const row = groups.get(uscc)?.[0];
  return row ? pick(row, fields) : null;
};
/** An elderly-care institution's grade: withheld after a severe penalty. */
const grade = (institution: Row, penalties: Row[] | undefined) => ((penalties ?? []).some((penalty) => penalty.severity === 'SEVERE') ? null : institution.assessedGrade);

/** The answer to the single check (the playground's first example) for one enterprise. */
async function singleCheck(uscc: string) {
  const usccs = [uscc];
  // The registry's fetch: the enterprise, its lists and the record states (objections, repairs).
  const r = await anchored(pools.registry!, registry.enterprise, { penalties: registry.penalties, listEntries: registry.listEntries, commitments: registry.commitments, objections: registry.objections, repairs: registry.repairs }, usccs);
  const row = r.anchors.get(uscc);
  if (!row) return { enterprise: null };
  const hk = pools.housekeeping!;
  const [f, s, e, company, institution, t] = await Promise.all([
    anchored(pools.finance!, finance.profile, { taxCredits: finance.taxCredits, socialInsurance: finance.socialInsurance, housingFund: finance.housingFund, utilities: finance.utilities, loans: finance.loans }, usccs),
    anchored(pools['supply-chain']!, supplyChain.profile, { logisticsCredits: supplyChain.logisticsCredits, partners: supplyChain.partners }, usccs),
    anchored(pools.environment!, environment.profile, { ratings: environment.ratings, violations: environment.violations, disclosures: environment.disclosures, emissions: environment.emissions }, usccs),
    anchored(hk, housekeeping.company, { complaints: housekeeping.complaints, workerCount: housekeeping.workerCount }, usccs),
    anchored(hk, housekeeping.institution, { inspections: housekeeping.inspections, penalties: housekeeping.elderlyCarePenalties }, usccs),
    anchored(pools.trade!, trade.customsCredit, { volumes: trade.volumes, violations: trade.violations, investments: trade.investments }, usccs),
  ]);
  // The incidents of the logistics credits shown, then the partners: the registry's fetch for them, then their sectors.
  const incidents = await grouped(pools['supply-chain']!, supplyChain.incidents, s.present.filter((u) => s.logisticsCredits.has(u)));
  const partnerRows = s.partners.get(uscc) ?? [];
  const partnerUsccs = unique(partnerRows.map((partner) => partner.partnerUscc as string));
  const pr = await anchored(pools.registry!, registry.enterprise, { penalties: registry.penalties, listEntries: registry.listEntries, objections: registry.objections, repairs: registry.repairs }, partnerUsccs);
  const [pe, pt] = await Promise.all([
    anchored(pools.environment!, environment.profile, { ratings: environment.ratings }, pr.present),
    single(pools.trade!, trade.customsCredit, pr.present),
  ]);
  const chain = s.anchors.get(uscc);
  const shop = company.anchors.get(uscc);
  const home = institution.anchors.get(uscc);
  const customs = t.anchors.get(uscc);
  return {
    enterprise: {
      ...pick(row, ['uscc', 'name', 'entityType', 'legalRepresentative', 'registeredCapital', 'establishedOn', 'status']),
      district: { code: row.divisionCode, name: row.divisionCode },
      industry: row.industry,
      onSevereDishonestyList: severeListed(r.listEntries.get(uscc)),
      penalties: list(r.penalties, uscc, ['decisionNumber', 'category', 'decisionDate', 'fineAmount', 'severity', 'authority']),
      listEntries: (r.listEntries.get(uscc) ?? []).map((entry) => ({ ...pick(entry, ['listType', 'authority', 'legalBasis', 'measures']), active: entry.removedOn === null })),
      commitments: list(r.commitments, uscc, ['type', 'status', 'termEnd']),
      finance: f.anchors.has(uscc)
        ? {
            currentTaxCreditLevel: f.taxCredits.get(uscc)?.[0]?.level ?? null,
            taxCredits: list(f.taxCredits, uscc, ['year', 'level', 'score']),
            socialInsurance: list(f.socialInsurance, uscc, ['year', 'insuredHeadcount', 'monthsInArrears']),
            housingFund: list(f.housingFund, uscc, ['year', 'depositorHeadcount', 'monthsInArrears']),
            utilities: list(f.utilities, uscc, ['year', 'utility', 'onTimeRate']),
            loans: list(f.loans, uscc, ['bankName', 'productName', 'amount', 'status', 'overdueDays']),
          }
        : null,
      supplyChain: chain
        ? {
            logisticsCredits: (s.logisticsCredits.get(uscc) ?? []).map((credit) => ({
              ...pick(credit, ['category', 'rating', 'validUntil']),
              incidents: (incidents.get(uscc) ?? []).filter((incident) => incident.category === credit.category).map((incident) => pick(incident, ['kind', 'severity'])),
            })),
            partners: partnerRows.map((partner) => {
              const p = partner.partnerUscc as string;
              const enterprise = pr.anchors.get(p);
              return {
                relation: partner.relation,
                share: partner.share,
                partner: enterprise
                  ? {
                      uscc: p,
                      name: enterprise.name,
                      onSevereDishonestyList: severeListed(pr.listEntries.get(p)),
                      penalties: list(pr.penalties, p, ['severity', 'decisionDate']),
                      environment: pe.anchors.has(p) ? { currentRating: first(pe.ratings, p, ['level']) } : null,
                      trade: pt.has(p) ? { customsCredit: pick(pt.get(p)!, ['category']) } : null,
                    }
                  : null,
              };
            }),
          }
        : null,
      environment: e.anchors.has(uscc)
        ? {
            currentRating: first(e.ratings, uscc, ['year', 'level', 'score']),
            violations: list(e.violations, uscc, ['kind', 'severity', 'penaltyAmount', 'corrected']),
            disclosures: list(e.disclosures, uscc, ['year', 'status']),
            emissions: list(e.emissions, uscc, ['year', 'tonnesCo2e', 'verified']),
          }
        : null,
      housekeeping: shop
        ? {
            serviceRating: shop.serviceRating,
            complaintCount: (company.complaints.get(uscc) ?? []).length,
            workerCount: (company.workerCount.get(uscc)?.[0]?.count as number | undefined) ?? 0,
          }
        : null,
      elderlyCare: home ? { grade: grade(home, institution.penalties.get(uscc)), beds: home.beds, inspections: list(institution.inspections, uscc, ['inspectedOn', 'result']) } : null,
      trade: customs
        ? {
            customsCredit: pick(customs, ['category', 'since', 'aeoCertificateNumber']),
            volumes: list(t.volumes, uscc, ['year', 'importUsd', 'exportUsd']),
            declarationViolations: list(t.violations, uscc, ['kind', 'severity']),
            investments: list(t.investments, uscc, ['direction', 'countryName', 'amount', 'negativeListCheck']),
          }
        : null,
    },
  };
}

/** The answer to the portfolio check (scenarios.ts PORTFOLIO_QUERY) for a list of enterprises. */
async function portfolioCheck(usccs: string[]) {
  const r = await anchored(pools.registry!, registry.enterprise, { penalties: registry.penalties, listEntries: registry.listEntries, commitments: registry.commitments, objections: registry.objections, repairs: registry.repairs }, usccs);
  const known = r.present;
  const hk = pools.housekeeping!;
  const [f, s, e, company, institution, t] = await Promise.all([
    anchored(pools.finance!, finance.profile, { taxCredits: finance.taxCredits, socialInsurance: finance.socialInsurance, housingFund: finance.housingFund, utilities: finance.utilities, loans: finance.loans }, known),
    anchored(pools['supply-chain']!, supplyChain.profile, { logisticsCredits: supplyChain.logisticsCredits, partners: supplyChain.partners }, known),
    anchored(pools.environment!, environment.profile, { ratings: environment.ratings, violations: environment.violations, disclosures: environment.disclosures, emissions: environment.emissions }, known),
    anchored(hk, housekeeping.company, { complaints: housekeeping.complaints, slots: workerIds(5) }, known),
    anchored(hk, housekeeping.institution, { inspections: housekeeping.inspections, penalties: housekeeping.elderlyCarePenalties, commitments: housekeeping.elderlyCareCommitments }, known),
    anchored(pools.trade!, trade.customsCredit, { history: trade.creditHistory, volumes: trade.volumes, violations: trade.violations, investments: trade.investments }, known),
  ]);
  const [incidents, workers] = await Promise.all([
    grouped(pools['supply-chain']!, supplyChain.incidents, s.present.filter((u) => s.logisticsCredits.has(u))),
    single(hk, housekeeping.worker, [...company.slots.values()].flat().map((slot) => slot.id as string), 'id'),
  ]);
  return {
    enterprises: usccs.map((uscc) => {
      const row = r.anchors.get(uscc);
      if (!row) return null;
      const home = institution.anchors.get(uscc);
      return {
        uscc,
        name: row.name,
        onSevereDishonestyList: severeListed(r.listEntries.get(uscc)),
        penalties: list(r.penalties, uscc, ['severity']),
        listEntries: list(r.listEntries, uscc, ['listType']),
        commitments: list(r.commitments, uscc, ['status']),
        finance: f.anchors.has(uscc)
          ? {
              currentTaxCreditLevel: f.taxCredits.get(uscc)?.[0]?.level ?? null,
              taxCredits: list(f.taxCredits, uscc, ['level']),
              socialInsurance: list(f.socialInsurance, uscc, ['monthsInArrears']),
              utilities: list(f.utilities, uscc, ['onTimeRate']),
              loans: list(f.loans, uscc, ['status']),
              housingFund: list(f.housingFund, uscc, ['monthsInArrears']),
            }
          : null,
        supplyChain: s.anchors.has(uscc)
          ? {
              logisticsCredits: (s.logisticsCredits.get(uscc) ?? []).map((credit) => ({
                rating: credit.rating,
                incidents: (incidents.get(uscc) ?? []).filter((incident) => incident.category === credit.category).map((incident) => pick(incident, ['kind'])),
              })),
              partners: (s.partners.get(uscc) ?? []).map((partner) => ({ relation: partner.relation, partner: { uscc: partner.partnerUscc } })),
            }
          : null,
        environment: e.anchors.has(uscc)
          ? {
              currentRating: first(e.ratings, uscc, ['level']),
              violations: list(e.violations, uscc, ['kind']),
              disclosures: list(e.disclosures, uscc, ['status']),
              emissions: list(e.emissions, uscc, ['year']),
            }
          : null,
        housekeeping: company.anchors.has(uscc)
          ? {
              serviceRating: company.anchors.get(uscc)!.serviceRating,
              complaints: list(company.complaints, uscc, ['category']),
              workers: (company.slots.get(uscc) ?? []).map((slot) => {
                const worker = workers.get(slot.id as string);
                return worker ? { id: worker.id, backgroundCheck: { outcome: worker.backgroundOutcome } } : null;
              }),
            }
          : null,
        elderlyCare: home
          ? {
              grade: grade(home, institution.penalties.get(uscc)),
              inspections: list(institution.inspections, uscc, ['result']),
              penalties: list(institution.penalties, uscc, ['amount']),
              commitments: list(institution.commitments, uscc, ['content']),
            }
          : null,
        trade: t.anchors.has(uscc)
          ? {
              customsCredit: { category: t.anchors.get(uscc)!.category, history: list(t.history, uscc, ['category']) },
              volumes: list(t.volumes, uscc, ['year']),
              declarationViolations: list(t.violations, uscc, ['kind']),
              investments: list(t.investments, uscc, ['country']),
            }
          : null,
      };
    }),
  };
}

/** The housekeeping subgraph's current-worker slots (its `workerIds(first)` loader's statement). */
function workerIds(first: number): Read {
  return (usccs) => ({
    text: `SELECT id, uscc FROM (
          SELECT id, uscc, row_number() OVER (PARTITION BY uscc ORDER BY "employedSince", id) AS position
          FROM "Worker" WHERE uscc IN (${usccs.map((_, i) => `$${i + 1}`).join(',')})
        ) ranked
        WHERE position <= $${usccs.length + 1}
        ORDER BY uscc, position`,
    values: [...usccs, first],
  });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const server = createServer(async (req, res) => {
  try {
    if (req.method === 'GET' && req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end(`credit_graph_sql_statements_total ${statements}\n`);
    }
    const { variables } = JSON.parse(await readBody(req)) as { variables?: { uscc?: string; usccs?: string[] } };
    const data = variables?.usccs ? await portfolioCheck(variables.usccs) : variables?.uscc ? await singleCheck(variables.uscc) : undefined;
    const body = JSON.stringify(data ? { data } : { errors: [{ message: 'the floor answers the single check and the portfolio check only' }] });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  } catch (error) {
    console.error(`[floor] ${(error as Error).message}`);
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ message: (error as Error).message }] }));
  }
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => console.log(`[floor] listening on ${process.env.PORT}`));

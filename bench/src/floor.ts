// The floor (issue 13): what a credit check costs at the least, for the benchmark's ratios. One
// process answers the bank's single check and portfolio check (the bodies of scenarios.ts) by
// sending the very statements the subgraphs send (each subgraph's exported `reads`, the SQL its
// loaders run through Prisma's raw API) with pg, to the same databases, batched as a federated
// request batches them (one statement per loader per fetch of the query plan, same keys), and
// building the same JSON answer from the rows. No GraphQL, no federation, no HTTP hop between
// services, no authorization, record-state or masking rules: their cost is what the ratio shows.
//
// Environment: PORT, HOST, <SUBGRAPH>_DATABASE_URL for the six subgraphs. GET /metrics reports
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
    return [name, new pg.Pool({ connectionString: url, max: 10, options: '-c TimeZone=UTC' })];
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

/** The registry's fetch: the enterprises, and what their answers and record states need. */
async function registryFetch(usccs: string[], withCommitments: boolean) {
  const db = pools.registry!;
  const [enterprises, penalties, listEntries, commitments] = await Promise.all([
    single(db, registry.enterprise, usccs),
    grouped(db, registry.penalties, usccs),
    grouped(db, registry.listEntries, usccs),
    withCommitments ? grouped(db, registry.commitments, usccs) : new Map<string, Row[]>(),
    // The record states (objections and repairs) the registry computes for every enterprise it shows.
    grouped(db, registry.objections, usccs),
    grouped(db, registry.repairs, usccs),
  ]);
  return { enterprises, penalties, listEntries, commitments };
}

const severeListed = (entries: Row[] | undefined) => (entries ?? []).some((entry) => entry.listType === 'SEVERE' && entry.removedOn === null);

/** The answer to the single check (the playground's first example) for one enterprise. */
async function singleCheck(uscc: string) {
  const usccs = [uscc];
  const r = await registryFetch(usccs, true);
  if (!r.enterprises.has(uscc)) return { enterprise: null };
  const [f, s, e, h, t] = await Promise.all([
    Promise.all([
      single(pools.finance!, finance.profile, usccs),
      grouped(pools.finance!, finance.taxCredits, usccs),
      grouped(pools.finance!, finance.socialInsurance, usccs),
      grouped(pools.finance!, finance.housingFund, usccs),
      grouped(pools.finance!, finance.utilities, usccs),
      grouped(pools.finance!, finance.loans, usccs),
    ]),
    Promise.all([
      single(pools['supply-chain']!, supplyChain.profile, usccs),
      grouped(pools['supply-chain']!, supplyChain.logisticsCredits, usccs),
      grouped(pools['supply-chain']!, supplyChain.incidents, usccs),
      grouped(pools['supply-chain']!, supplyChain.partners, usccs),
    ]),
    environmentFetch(usccs, true),
    Promise.all([
      single(pools.housekeeping!, housekeeping.company, usccs),
      grouped(pools.housekeeping!, housekeeping.complaints, usccs),
      single(pools.housekeeping!, housekeeping.workerCount, usccs),
      single(pools.housekeeping!, housekeeping.institution, usccs),
      grouped(pools.housekeeping!, housekeeping.inspections, usccs),
      grouped(pools.housekeeping!, housekeeping.elderlyCarePenalties, usccs),
    ]),
    Promise.all([
      single(pools.trade!, trade.customsCredit, usccs),
      grouped(pools.trade!, trade.volumes, usccs),
      grouped(pools.trade!, trade.violations, usccs),
      grouped(pools.trade!, trade.investments, usccs),
    ]),
  ]);
  // The partners: the registry's fetch for them, then their environment and customs credit.
  const partnerRows = s[3].get(uscc) ?? [];
  const partnerUsccs = unique(partnerRows.map((row) => row.partnerUscc as string));
  const pr = partnerUsccs.length > 0 ? await registryFetch(partnerUsccs, false) : undefined;
  const [pe, pt] = partnerUsccs.length > 0 ? await Promise.all([environmentFetch(partnerUsccs, false), single(pools.trade!, trade.customsCredit, partnerUsccs)]) : [undefined, undefined];
  const row = r.enterprises.get(uscc)!;
  const financeProfile = f[0].get(uscc);
  const chain = s[0].get(uscc);
  const company = h[0].get(uscc);
  const institution = h[3].get(uscc);
  const customs = t[0].get(uscc);
  return {
    enterprise: {
      ...pick(row, ['uscc', 'name', 'entityType', 'legalRepresentative', 'registeredCapital', 'establishedOn', 'status']),
      district: { code: row.divisionCode, name: row.divisionCode },
      industry: row.industry,
      onSevereDishonestyList: severeListed(r.listEntries.get(uscc)),
      penalties: list(r.penalties, uscc, ['decisionNumber', 'category', 'decisionDate', 'fineAmount', 'severity', 'authority']),
      listEntries: list(r.listEntries, uscc, ['listType', 'authority', 'legalBasis', 'measures']).map((entry, i) => ({ ...entry, active: r.listEntries.get(uscc)![i]!.removedOn === null })),
      commitments: list(r.commitments, uscc, ['type', 'status', 'termEnd']),
      finance: financeProfile && {
        currentTaxCreditLevel: f[1].get(uscc)?.[0]?.level ?? null,
        taxCredits: list(f[1], uscc, ['year', 'level', 'score']),
        socialInsurance: list(f[2], uscc, ['year', 'insuredHeadcount', 'monthsInArrears']),
        housingFund: list(f[3], uscc, ['year', 'depositorHeadcount', 'monthsInArrears']),
        utilities: list(f[4], uscc, ['year', 'utility', 'onTimeRate']),
        loans: list(f[5], uscc, ['bankName', 'productName', 'amount', 'status', 'overdueDays']),
      },
      supplyChain: chain && {
        logisticsCredits: (s[1].get(uscc) ?? []).map((credit) => ({
          ...pick(credit, ['category', 'rating', 'validUntil']),
          incidents: (s[2].get(uscc) ?? []).filter((incident) => incident.category === credit.category).map((incident) => pick(incident, ['kind', 'severity'])),
        })),
        partners: partnerRows.map((partner) => {
          const p = partner.partnerUscc as string;
          const enterprise = pr!.enterprises.get(p);
          return {
            relation: partner.relation,
            share: partner.share,
            partner: enterprise && {
              uscc: p,
              name: enterprise.name,
              onSevereDishonestyList: severeListed(pr!.listEntries.get(p)),
              penalties: list(pr!.penalties, p, ['severity', 'decisionDate']),
              environment: pe!.profiles.has(p) ? { currentRating: pe!.ratings.get(p)?.[0] ? pick(pe!.ratings.get(p)![0]!, ['level']) : null } : null,
              trade: pt!.has(p) ? { customsCredit: pick(pt!.get(p)!, ['category']) } : null,
            },
          };
        }),
      },
      environment: e.profiles.has(uscc)
        ? {
            currentRating: e.ratings.get(uscc)?.[0] ? pick(e.ratings.get(uscc)![0]!, ['year', 'level', 'score']) : null,
            violations: list(e.violations, uscc, ['kind', 'severity', 'penaltyAmount', 'corrected']),
            disclosures: list(e.disclosures, uscc, ['year', 'status']),
            emissions: list(e.emissions, uscc, ['year', 'tonnesCo2e', 'verified']),
          }
        : null,
      housekeeping: company && {
        serviceRating: company.serviceRating,
        complaintCount: (h[1].get(uscc) ?? []).length,
        workerCount: (h[2].get(uscc)?.count as number | undefined) ?? 0,
      },
      elderlyCare: institution && {
        grade: (h[5].get(uscc) ?? []).some((penalty) => penalty.severity === 'SEVERE') ? null : institution.assessedGrade,
        beds: institution.beds,
        inspections: list(h[4], uscc, ['inspectedOn', 'result']),
      },
      trade: customs && {
        customsCredit: pick(customs, ['category', 'since', 'aeoCertificateNumber']),
        volumes: list(t[1], uscc, ['year', 'importUsd', 'exportUsd']),
        declarationViolations: list(t[2], uscc, ['kind', 'severity']),
        investments: list(t[3], uscc, ['direction', 'countryName', 'amount', 'negativeListCheck']),
      },
    },
  };
}

/** The environment subgraph's fetch: subjects and ratings, and for a full profile the rest. */
async function environmentFetch(usccs: string[], full: boolean) {
  const db = pools.environment!;
  const empty = new Map<string, Row[]>();
  const [profiles, ratings, violations, disclosures, emissions] = await Promise.all([
    single(db, environment.profile, usccs),
    grouped(db, environment.ratings, usccs),
    full ? grouped(db, environment.violations, usccs) : empty,
    full ? grouped(db, environment.disclosures, usccs) : empty,
    full ? grouped(db, environment.emissions, usccs) : empty,
  ]);
  return { profiles, ratings, violations, disclosures, emissions };
}

/** The answer to the portfolio check (scenarios.ts PORTFOLIO_QUERY) for a list of enterprises. */
async function portfolioCheck(usccs: string[]) {
  const r = await registryFetch(usccs, true);
  const known = usccs.filter((uscc) => r.enterprises.has(uscc));
  const [f, s, e, h, t] = await Promise.all([
    Promise.all([
      single(pools.finance!, finance.profile, known),
      grouped(pools.finance!, finance.taxCredits, known),
      grouped(pools.finance!, finance.socialInsurance, known),
      grouped(pools.finance!, finance.housingFund, known),
      grouped(pools.finance!, finance.utilities, known),
      grouped(pools.finance!, finance.loans, known),
    ]),
    Promise.all([
      single(pools['supply-chain']!, supplyChain.profile, known),
      grouped(pools['supply-chain']!, supplyChain.logisticsCredits, known),
      grouped(pools['supply-chain']!, supplyChain.incidents, known),
      grouped(pools['supply-chain']!, supplyChain.partners, known),
    ]),
    environmentFetch(known, true),
    (async () => {
      const db = pools.housekeeping!;
      const [company, complaints, institution, inspections, penalties, commitments, slots] = await Promise.all([
        single(db, housekeeping.company, known),
        grouped(db, housekeeping.complaints, known),
        single(db, housekeeping.institution, known),
        grouped(db, housekeeping.inspections, known),
        grouped(db, housekeeping.elderlyCarePenalties, known),
        grouped(db, housekeeping.elderlyCareCommitments, known),
        grouped(db, workerIds(5), known),
      ]);
      const workers = await single(db, housekeeping.worker, [...slots.values()].flat().map((slot) => slot.id as string), 'id');
      return { company, complaints, institution, inspections, penalties, commitments, slots, workers };
    })(),
    Promise.all([
      single(pools.trade!, trade.customsCredit, known),
      grouped(pools.trade!, trade.creditHistory, known),
      grouped(pools.trade!, trade.volumes, known),
      grouped(pools.trade!, trade.violations, known),
      grouped(pools.trade!, trade.investments, known),
    ]),
  ]);
  return {
    enterprises: usccs.map((uscc) => {
      const row = r.enterprises.get(uscc);
      if (!row) return null;
      const institution = h.institution.get(uscc);
      return {
        uscc,
        name: row.name,
        onSevereDishonestyList: severeListed(r.listEntries.get(uscc)),
        penalties: list(r.penalties, uscc, ['severity']),
        listEntries: list(r.listEntries, uscc, ['listType']),
        commitments: list(r.commitments, uscc, ['status']),
        finance: f[0].has(uscc)
          ? {
              currentTaxCreditLevel: f[1].get(uscc)?.[0]?.level ?? null,
              taxCredits: list(f[1], uscc, ['level']),
              socialInsurance: list(f[2], uscc, ['monthsInArrears']),
              utilities: list(f[4], uscc, ['onTimeRate']),
              loans: list(f[5], uscc, ['status']),
              housingFund: list(f[3], uscc, ['monthsInArrears']),
            }
          : null,
        supplyChain: s[0].has(uscc)
          ? {
              logisticsCredits: (s[1].get(uscc) ?? []).map((credit) => ({
                rating: credit.rating,
                incidents: (s[2].get(uscc) ?? []).filter((incident) => incident.category === credit.category).map((incident) => pick(incident, ['kind'])),
              })),
              partners: (s[3].get(uscc) ?? []).map((partner) => ({ relation: partner.relation, partner: { uscc: partner.partnerUscc } })),
            }
          : null,
        environment: e.profiles.has(uscc)
          ? {
              currentRating: e.ratings.get(uscc)?.[0] ? pick(e.ratings.get(uscc)![0]!, ['level']) : null,
              violations: list(e.violations, uscc, ['kind']),
              disclosures: list(e.disclosures, uscc, ['status']),
              emissions: list(e.emissions, uscc, ['year']),
            }
          : null,
        housekeeping: h.company.has(uscc)
          ? {
              serviceRating: h.company.get(uscc)!.serviceRating,
              complaints: list(h.complaints, uscc, ['category']),
              workers: (h.slots.get(uscc) ?? []).map((slot) => {
                const worker = h.workers.get(slot.id as string);
                return worker && { id: worker.id, backgroundCheck: { outcome: worker.backgroundCheckOutcome ?? null } };
              }),
            }
          : null,
        elderlyCare: institution
          ? {
              grade: (h.penalties.get(uscc) ?? []).some((penalty) => penalty.severity === 'SEVERE') ? null : institution.assessedGrade,
              inspections: list(h.inspections, uscc, ['result']),
              penalties: list(h.penalties, uscc, ['amount']),
              commitments: list(h.commitments, uscc, ['content']),
            }
          : null,
        trade: t[0].has(uscc)
          ? {
              customsCredit: { category: t[0].get(uscc)!.category, history: list(t[1], uscc, ['category']) },
              volumes: list(t[2], uscc, ['year']),
              declarationViolations: list(t[3], uscc, ['kind']),
              investments: list(t[4], uscc, ['country']),
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
    res.writeHead(500, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ message: (error as Error).message }] }));
  }
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => console.log(`[floor] listening on ${process.env.PORT}`));

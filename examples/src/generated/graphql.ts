/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type CreditChangeKind =
  /** A credit commitment was made or fulfilled. */
  | 'COMMITMENT'
  /** The comprehensive evaluation's grade moved. */
  | 'GRADE'
  /** A credit list entry was added or removed. */
  | 'LIST_ENTRY'
  /** A new negative record (violation, arrears, incident, complaint, breach, ...). */
  | 'NEGATIVE_RECORD'
  /** A record's lifecycle changed: objection filed, answered or decided; repair applied for or decided. */
  | 'RECORD_STATUS'
  /** Another sector record (rating, tax level, customs category, filing, ...). */
  | 'SECTOR_RECORD';

export type EnterpriseStatus =
  | 'ACTIVE'
  | 'DEREGISTERED'
  | 'REVOKED';

export type EvaluationGrade =
  | 'A'
  | 'B'
  | 'C'
  | 'D';

export type LoanStatus =
  /** Applied for, not yet decided. */
  | 'APPLIED'
  /** Approved, not yet disbursed. */
  | 'APPROVED'
  /** Written off as a default (non-performing). */
  | 'DEFAULTED'
  /** Disbursed and being repaid on schedule. */
  | 'DISBURSED'
  /** An instalment or the principal is past due. */
  | 'OVERDUE'
  /** Refused by the bank. */
  | 'REJECTED'
  /** Repaid in full. */
  | 'REPAID';

/** Why a caller reads (x-credit-purpose), bound to its role. */
export type Purpose =
  /** A public agency's credit verification before an administrative approval (行政审批). */
  | 'ADMINISTRATIVE_APPROVAL'
  /** A public agency's credit verification before fiscal funding or a subsidy (财政资金支持). */
  | 'FUNDING_SUPPORT'
  /** A public agency's credit verification before a government procurement award (政府采购). */
  | 'GOVERNMENT_PROCUREMENT'
  /** A public agency's credit verification before an honour or award (评先评优). */
  | 'HONOUR_AWARD'
  /** Pre-loan check (贷前审查). */
  | 'LOAN_APPROVAL'
  /** Monitoring an existing loan (贷后管理). */
  | 'LOAN_MONITORING'
  /** A public agency's credit verification before a public-resource trade (公共资源交易). */
  | 'PUBLIC_RESOURCE_TRADING'
  /** An enterprise reading its own records. */
  | 'SELF_QUERY'
  /** A regulator's supervision. */
  | 'SUPERVISION';

/** Severity of a negative record; it decides the record's publication window. */
export type Severity =
  | 'GENERAL'
  | 'MINOR'
  | 'SEVERE';

/** Tax credit level (纳税信用等级) set by the tax authority for one year. */
export type TaxCreditLevel =
  /** Score of 90 or more. */
  | 'A'
  /** Score from 70 to below 90. */
  | 'B'
  /** Score from 40 to below 70. */
  | 'C'
  /** Score below 40, or assigned directly for serious dishonesty (e.g. tax evasion). */
  | 'D'
  /** Newly set up or without business revenue in the year, score of 70 or more. */
  | 'M';

export type ConsentsGrantedToMeQueryVariables = Exact<{
  purpose?: Purpose | null | undefined;
  liveOnly?: boolean | null | undefined;
  after?: string | null | undefined;
}>;


export type ConsentsGrantedToMeQuery = { consentsGrantedToMe: { edges: Array<{ node: { id: string, enterpriseUscc: string, purpose: Purpose, expiresAt: string, live: boolean } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type CreditChangesQueryVariables = Exact<{
  after?: string | null | undefined;
  first?: number | null | undefined;
}>;


export type CreditChangesQuery = { creditChanges: { cursor: string, hasMore: boolean, changes: Array<{ sequence: string, uscc: string, kind: CreditChangeKind, source: string, summary: string, gradeAfter: string | null, occurredAt: string }> } };

export type BankCreditCheckQueryVariables = Exact<{
  uscc: string;
}>;


export type BankCreditCheckQuery = { enterprise: { uscc: string, name: string, status: EnterpriseStatus, onSevereDishonestyList: boolean, penalties: Array<{ decisionNumber: string, severity: Severity, decisionDate: string }>, finance: { currentTaxCreditLevel: TaxCreditLevel | null, loans: Array<{ bankName: string, status: LoanStatus, overdueDays: number }> } | null, evaluation: { grade: EvaluationGrade, score: number } | null } | null };

export type PortfolioCheckQueryVariables = Exact<{
  usccs: Array<string> | string;
}>;


export type PortfolioCheckQuery = { enterprises: Array<{ uscc: string, name: string, onSevereDishonestyList: boolean, finance: { currentTaxCreditLevel: TaxCreditLevel | null } | null } | null> };


export const ConsentsGrantedToMeDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConsentsGrantedToMe"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"purpose"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Purpose"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"liveOnly"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"consentsGrantedToMe"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"purpose"},"value":{"kind":"Variable","name":{"kind":"Name","value":"purpose"}}},{"kind":"Argument","name":{"kind":"Name","value":"liveOnly"},"value":{"kind":"Variable","name":{"kind":"Name","value":"liveOnly"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"100"}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"enterpriseUscc"}},{"kind":"Field","name":{"kind":"Name","value":"purpose"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"live"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<ConsentsGrantedToMeQuery, ConsentsGrantedToMeQueryVariables>;
export const CreditChangesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CreditChanges"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"creditChanges"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"changes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sequence"}},{"kind":"Field","name":{"kind":"Name","value":"uscc"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"summary"}},{"kind":"Field","name":{"kind":"Name","value":"gradeAfter"}},{"kind":"Field","name":{"kind":"Name","value":"occurredAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"hasMore"}}]}}]}}]} as unknown as DocumentNode<CreditChangesQuery, CreditChangesQueryVariables>;
export const BankCreditCheckDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"BankCreditCheck"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"uscc"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"USCC"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"enterprise"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"uscc"},"value":{"kind":"Variable","name":{"kind":"Name","value":"uscc"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"uscc"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"onSevereDishonestyList"}},{"kind":"Field","name":{"kind":"Name","value":"penalties"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"decisionNumber"}},{"kind":"Field","name":{"kind":"Name","value":"severity"}},{"kind":"Field","name":{"kind":"Name","value":"decisionDate"}}]}},{"kind":"Field","name":{"kind":"Name","value":"finance"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"currentTaxCreditLevel"}},{"kind":"Field","name":{"kind":"Name","value":"loans"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"bankName"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"overdueDays"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"evaluation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"grade"}},{"kind":"Field","name":{"kind":"Name","value":"score"}}]}}]}}]}}]} as unknown as DocumentNode<BankCreditCheckQuery, BankCreditCheckQueryVariables>;
export const PortfolioCheckDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"PortfolioCheck"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"usccs"}},"type":{"kind":"NonNullType","type":{"kind":"ListType","type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"USCC"}}}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"enterprises"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"usccs"},"value":{"kind":"Variable","name":{"kind":"Name","value":"usccs"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"uscc"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"onSevereDishonestyList"}},{"kind":"Field","name":{"kind":"Name","value":"finance"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"currentTaxCreditLevel"}}]}}]}}]}}]} as unknown as DocumentNode<PortfolioCheckQuery, PortfolioCheckQueryVariables>;
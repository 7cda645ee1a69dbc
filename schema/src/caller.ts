// Who is asking. The gateway establishes the caller; subgraphs receive it with each request.
// The trust layer (identity, scopes, signed forwarding) fills this in; until then every
// request is an anonymous caller.

export type Role = 'PUBLIC' | 'BANK' | 'SECTOR_PLATFORM' | 'REGULATOR' | 'ENTERPRISE' | 'DEVELOPER';

export interface Caller {
  subject: string;
  role: Role;
  scopes: readonly string[];
  institution?: string;
}

export const ANONYMOUS_CALLER: Caller = Object.freeze({ subject: 'anonymous', role: 'PUBLIC', scopes: [] });

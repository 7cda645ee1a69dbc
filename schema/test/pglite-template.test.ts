// New embedded databases start from a cached dump of a fresh PGlite cluster instead of initdb.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openPGlite, pgliteTemplatePath } from '../src/pglite-template.ts';

const folder = mkdtempSync(path.join(tmpdir(), 'pglite-template-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('PGlite template', () => {
  it('makes new databases, in memory and on disk, from one cached template; each starts empty and keeps its own data', async () => {
    const first = await openPGlite(undefined);
    expect((await first.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    await first.exec('CREATE TABLE only_in_first (id int)');
    await first.close();
    expect(existsSync(pgliteTemplatePath())).toBe(true);

    // Made from the template: a working, empty cluster, without the first one's table.
    const dataDir = path.join(folder, 'db');
    const onDisk = await openPGlite(dataDir);
    expect(existsSync(path.join(dataDir, 'PG_VERSION'))).toBe(true);
    expect((await onDisk.query(`SELECT to_regclass('only_in_first') AS t`)).rows).toEqual([{ t: null }]);
    await onDisk.exec('CREATE TABLE kept (id int); INSERT INTO kept VALUES (7)');
    await onDisk.close();

    // An existing database is opened as it is, never replaced by the template.
    const reopened = await openPGlite(dataDir);
    expect((await reopened.query('SELECT id FROM kept')).rows).toEqual([{ id: 7 }]);
    await reopened.close();
  });
});

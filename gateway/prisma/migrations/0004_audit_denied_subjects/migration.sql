-- The subjects whose guarded data an audited operation was refused (issue 9 §1): a refused read
-- is on record with its subject, apart from the subjects actually read. Added last so that the
-- audit writer's column order (jsonb_populate_recordset) and existing records are unchanged.
ALTER TABLE "AuditRecord" ADD COLUMN "deniedSubjects" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];

-- Keyed audit chain (key id per record), request ids, and write intents: a write is on record
-- before it reaches a subgraph, and its feed entries and audit record are written once.
-- AlterTable
ALTER TABLE "AuditRecord" ADD COLUMN     "keyId" TEXT,
ADD COLUMN     "requestId" TEXT,
ADD COLUMN     "writeIntentId" TEXT;

-- AlterTable
ALTER TABLE "CreditChange" ADD COLUMN     "writeIntentId" TEXT;

-- AlterTable
ALTER TABLE "KnownGrade" ALTER COLUMN "grade" DROP NOT NULL,
ALTER COLUMN "score" DROP NOT NULL;

-- CreateTable
CREATE TABLE "WriteIntent" (
    "id" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "operationName" TEXT,
    "operationHash" TEXT NOT NULL,
    "requestId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "changes" JSONB,
    "fedAt" TIMESTAMP(3),
    "auditedAt" TIMESTAMP(3),

    CONSTRAINT "WriteIntent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "WriteIntent_createdAt_idx" ON "WriteIntent"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "AuditRecord_writeIntentId_key" ON "AuditRecord"("writeIntentId");

-- CreateIndex
CREATE INDEX "CreditChange_writeIntentId_idx" ON "CreditChange"("writeIntentId");


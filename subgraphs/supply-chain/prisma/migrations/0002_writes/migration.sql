-- Sector platform writes: logistics incidents become negative records with a decision date and
-- their own category (an incident no longer needs a rating of its category to exist), steps of
-- a traceability route get a note, and idempotency keys are kept.

-- AlterTable
ALTER TABLE "LogisticsIncident" ADD COLUMN "category" "LogisticsCategory",
ADD COLUMN "decidedOn" DATE;

-- Backfill: the category of the rating an incident was filed under; decided the day it occurred.
UPDATE "LogisticsIncident" AS "incident" SET "category" = "credit"."category"
FROM "LogisticsCredit" AS "credit" WHERE "credit"."id" = "incident"."creditId";
UPDATE "LogisticsIncident" SET "decidedOn" = "occurredOn";

-- AlterTable
ALTER TABLE "LogisticsIncident" ALTER COLUMN "category" SET NOT NULL,
ALTER COLUMN "decidedOn" SET NOT NULL;

-- DropForeignKey
ALTER TABLE "LogisticsIncident" DROP CONSTRAINT "LogisticsIncident_creditId_fkey";

-- DropIndex
DROP INDEX "LogisticsIncident_creditId_idx";

-- AlterTable
ALTER TABLE "LogisticsIncident" DROP COLUMN "creditId";

-- AlterTable
ALTER TABLE "TraceabilityStep" ADD COLUMN "note" TEXT;

-- CreateTable
-- Idempotency keys of the sector platform's writes (subgraph-kit/src/writes.ts).
CREATE TABLE "IdempotencyKey" (
    "scope" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "resultId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IdempotencyKey_pkey" PRIMARY KEY ("scope","key")
);

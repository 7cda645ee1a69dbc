-- The housekeeping platform's writes: idempotency keys, severities that make complaints and
-- failed inspections negative records with a publication window, workers registered with an
-- age band (never a birth date or an ID-card number) and households' service ratings.
-- Existing rows are backfilled by the same rules as prisma/seed.ts.

-- CreateEnum
CREATE TYPE "WorkerAgeBand" AS ENUM ('AGE_18_25', 'AGE_26_35', 'AGE_36_45', 'AGE_46_55', 'AGE_56_PLUS');

-- AlterTable: a complaint's severity follows from its category for the rows already held.
ALTER TABLE "HousekeepingComplaint" ADD COLUMN     "severity" "Severity";
UPDATE "HousekeepingComplaint" SET "severity" = (CASE "category"
    WHEN 'ABUSE' THEN 'SEVERE'
    WHEN 'THEFT' THEN 'SEVERE'
    WHEN 'PROPERTY_DAMAGE' THEN 'GENERAL'
    ELSE 'MINOR'
END)::"Severity";
ALTER TABLE "HousekeepingComplaint" ALTER COLUMN "severity" SET NOT NULL;

-- AlterTable: registered workers carry the declared age band instead of a birth date.
ALTER TABLE "Worker" ADD COLUMN     "registeredAgeBand" "WorkerAgeBand",
ADD COLUMN     "serviceTypes" "WorkerServiceType"[],
ALTER COLUMN "birthDate" DROP NOT NULL;
-- The services a worker already held offers: the service type of its current (or last) job.
UPDATE "Worker" SET "serviceTypes" = ARRAY(
    SELECT r."serviceType" FROM "WorkerServiceRecord" r
    WHERE r."workerId" = "Worker"."id"
    ORDER BY r."from" DESC, r."id" ASC
    LIMIT 1
);
ALTER TABLE "Worker" ADD CONSTRAINT "Worker_age_check" CHECK ("birthDate" IS NOT NULL OR "registeredAgeBand" IS NOT NULL);

-- AlterTable: a FAILED inspection has a severity, no other result has one.
ALTER TABLE "ElderlyCareInspection" ADD COLUMN     "severity" "Severity";
UPDATE "ElderlyCareInspection" SET "severity" = (CASE "findings"
    WHEN '超出核定床位数收住老年人' THEN 'GENERAL'
    ELSE 'SEVERE'
END)::"Severity"
WHERE "result" = 'FAILED';
ALTER TABLE "ElderlyCareInspection" ADD CONSTRAINT "ElderlyCareInspection_severity_check" CHECK (("result" = 'FAILED') = ("severity" IS NOT NULL));

-- CreateTable
CREATE TABLE "WorkerServiceRating" (
    "id" TEXT NOT NULL,
    "workerId" TEXT NOT NULL,
    "uscc" TEXT,
    "serviceType" "WorkerServiceType" NOT NULL,
    "score" INTEGER NOT NULL,
    "ratedOn" DATE NOT NULL,

    CONSTRAINT "WorkerServiceRating_pkey" PRIMARY KEY ("id")
);

-- CreateTable: idempotency keys of the sector platform's writes (subgraph-kit/src/writes.ts).
CREATE TABLE "IdempotencyKey" (
    "scope" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "resultId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IdempotencyKey_pkey" PRIMARY KEY ("scope","key")
);

-- CreateIndex
CREATE INDEX "WorkerServiceRating_workerId_idx" ON "WorkerServiceRating"("workerId");

-- AddForeignKey
ALTER TABLE "WorkerServiceRating" ADD CONSTRAINT "WorkerServiceRating_workerId_fkey" FOREIGN KEY ("workerId") REFERENCES "Worker"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Writes of the finance sector platform: idempotency keys, payment arrears as negative records,
-- loans' status dates and delinquency (severity and its reporting day), and profiles created by
-- a write before the enterprise has authorized banks.

-- CreateEnum
CREATE TYPE "Severity" AS ENUM ('MINOR', 'GENERAL', 'SEVERE');

-- CreateEnum
CREATE TYPE "ArrearsKind" AS ENUM ('TAX', 'SOCIAL_INSURANCE', 'HOUSING_FUND', 'UTILITY');

-- AlterTable
ALTER TABLE "FinanceProfile" ALTER COLUMN "authorizedOn" DROP NOT NULL;

-- AlterTable
ALTER TABLE "XinYiDaiLoan" ADD COLUMN     "delinquencyReportedOn" DATE,
ADD COLUMN     "severity" "Severity",
ADD COLUMN     "statusOn" DATE;

-- Backfill rows seeded before this migration, by the seed's rules (seed.ts): the severity from
-- the status and overdue days, reported the day the loan reached it; the status date from the
-- loan's own dates.
UPDATE "XinYiDaiLoan" SET
    "severity" = (CASE
        WHEN "status" = 'DEFAULTED' OR "overdueDays" >= 90 THEN 'SEVERE'
        WHEN "overdueDays" >= 30 THEN 'GENERAL'
        ELSE 'MINOR' END)::"Severity",
    "delinquencyReportedOn" = CURRENT_DATE - "overdueDays" + (CASE
        WHEN "status" = 'DEFAULTED' OR "overdueDays" >= 90 THEN LEAST(90, "overdueDays")
        WHEN "overdueDays" >= 30 THEN 30
        ELSE LEAST(1, "overdueDays") END)
WHERE "status" IN ('OVERDUE', 'DEFAULTED');

UPDATE "XinYiDaiLoan" SET "statusOn" = (CASE "status"
    WHEN 'APPLIED' THEN "appliedOn"
    WHEN 'APPROVED' THEN COALESCE("grantedOn", "appliedOn")
    WHEN 'DISBURSED' THEN COALESCE("grantedOn", "appliedOn")
    WHEN 'REPAID' THEN LEAST(COALESCE("maturesOn", "grantedOn", "appliedOn"), CURRENT_DATE)
    WHEN 'REJECTED' THEN LEAST("appliedOn" + 7, CURRENT_DATE)
    ELSE COALESCE("delinquencyReportedOn", "grantedOn", "appliedOn") END);

ALTER TABLE "XinYiDaiLoan" ALTER COLUMN "statusOn" SET NOT NULL;

-- CreateTable
CREATE TABLE "PaymentArrears" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "kind" "ArrearsKind" NOT NULL,
    "amount" DECIMAL(14,4) NOT NULL,
    "since" DATE NOT NULL,
    "reportedOn" DATE NOT NULL,
    "severity" "Severity" NOT NULL,
    "reportedBy" TEXT NOT NULL,
    "settled" BOOLEAN NOT NULL,
    "settledOn" DATE,

    CONSTRAINT "PaymentArrears_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "PaymentArrears_uscc_idx" ON "PaymentArrears"("uscc");

-- AddForeignKey
ALTER TABLE "PaymentArrears" ADD CONSTRAINT "PaymentArrears_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "FinanceProfile"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;

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

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

-- AlterTable: the grounds of a customs credit category change (recordCustomsCategoryChange).
ALTER TABLE "CustomsCreditChange" ADD COLUMN "reason" TEXT;

-- AlterTable: the customs declaration a violation concerns, and the day it occurred. Rows kept
-- before this migration have no declaration number; their occurrence is taken as the decision day.
ALTER TABLE "DeclarationViolation" ADD COLUMN "declarationNumber" CHAR(18),
ADD COLUMN "occurredOn" DATE;
UPDATE "DeclarationViolation" SET "occurredOn" = "decidedOn" WHERE "occurredOn" IS NULL;
ALTER TABLE "DeclarationViolation" ALTER COLUMN "occurredOn" SET NOT NULL;

-- Credit workflows: objections, credit repair, commitment outcomes, list removals, idempotent writes.
CREATE TYPE "ObjectionStatus" AS ENUM ('FILED', 'ANSWERED', 'UPHELD', 'REVOKED');
CREATE TYPE "RepairStatus" AS ENUM ('APPLIED', 'APPROVED', 'REJECTED');

ALTER TABLE "DishonestyListEntry" ADD COLUMN "removalReason" TEXT;

ALTER TABLE "CreditCommitment" ADD COLUMN "outcomeOn" DATE,
ADD COLUMN "outcomeNote" TEXT,
ADD COLUMN "outcomeBy" TEXT,
ADD COLUMN "breachSeverity" "Severity";

CREATE TABLE "IdempotencyKey" (
    "scope" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "operation" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "resultId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IdempotencyKey_pkey" PRIMARY KEY ("scope","key")
);

CREATE TABLE "Objection" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "recordKey" TEXT NOT NULL,
    "recordSource" TEXT NOT NULL,
    "recordId" TEXT NOT NULL,
    "recordKind" TEXT NOT NULL,
    "recordSeverity" "Severity" NOT NULL,
    "recordDecidedOn" DATE NOT NULL,
    "reason" TEXT NOT NULL,
    "evidence" TEXT NOT NULL,
    "status" "ObjectionStatus" NOT NULL,
    "filedAt" TIMESTAMP(3) NOT NULL,
    "providerMustCheck" BOOLEAN NOT NULL,
    "dueOn" DATE NOT NULL,
    "providerAnswer" TEXT,
    "providerConfirms" BOOLEAN,
    "answeredAt" TIMESTAMP(3),
    "answeredBy" TEXT,
    "decidedAt" TIMESTAMP(3),
    "decidedBy" TEXT,
    "decisionReason" TEXT,
    "openKey" TEXT,

    CONSTRAINT "Objection_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "RepairApplication" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "recordKey" TEXT NOT NULL,
    "recordSource" TEXT NOT NULL,
    "recordId" TEXT NOT NULL,
    "recordKind" TEXT NOT NULL,
    "recordSeverity" "Severity" NOT NULL,
    "recordDecidedOn" DATE NOT NULL,
    "obligationsFulfilled" TEXT NOT NULL,
    "commitment" TEXT NOT NULL,
    "status" "RepairStatus" NOT NULL,
    "appliedAt" TIMESTAMP(3) NOT NULL,
    "decidedAt" TIMESTAMP(3),
    "decidedBy" TEXT,
    "decisionReason" TEXT,
    "openKey" TEXT,

    CONSTRAINT "RepairApplication_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "Objection_openKey_key" ON "Objection"("openKey");
CREATE INDEX "Objection_uscc_idx" ON "Objection"("uscc");
CREATE INDEX "Objection_status_dueOn_idx" ON "Objection"("status", "dueOn");
CREATE UNIQUE INDEX "RepairApplication_openKey_key" ON "RepairApplication"("openKey");
CREATE INDEX "RepairApplication_uscc_idx" ON "RepairApplication"("uscc");
CREATE INDEX "RepairApplication_status_idx" ON "RepairApplication"("status");

ALTER TABLE "Objection" ADD CONSTRAINT "Objection_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "Enterprise"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "RepairApplication" ADD CONSTRAINT "RepairApplication_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "Enterprise"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;

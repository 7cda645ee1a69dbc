-- Public agencies (issue 12): the AGENCY role, its verification scenarios as purposes, and the
-- signed evidence of each credit verification.
-- AlterEnum
ALTER TYPE "Role" ADD VALUE 'AGENCY';

-- AlterEnum
ALTER TYPE "Purpose" ADD VALUE 'ADMINISTRATIVE_APPROVAL';
ALTER TYPE "Purpose" ADD VALUE 'GOVERNMENT_PROCUREMENT';
ALTER TYPE "Purpose" ADD VALUE 'PUBLIC_RESOURCE_TRADING';
ALTER TYPE "Purpose" ADD VALUE 'FUNDING_SUPPORT';
ALTER TYPE "Purpose" ADD VALUE 'HONOUR_AWARD';

-- CreateTable
CREATE TABLE "CreditVerification" (
    "number" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "subject" TEXT NOT NULL,
    "institution" TEXT NOT NULL,
    "scenario" "Purpose" NOT NULL,
    "subjects" TEXT[],
    "content" JSONB NOT NULL,
    "keyId" TEXT NOT NULL,
    "mac" TEXT NOT NULL,

    CONSTRAINT "CreditVerification_pkey" PRIMARY KEY ("number")
);

-- CreateIndex
CREATE INDEX "CreditVerification_subjects_idx" ON "CreditVerification" USING GIN ("subjects");

-- CreateIndex
CREATE INDEX "CreditVerification_institution_at_idx" ON "CreditVerification"("institution", "at");

-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "EntityType" AS ENUM ('ENTERPRISE', 'INDIVIDUAL_BUSINESS', 'FARMERS_COOPERATIVE', 'SOCIAL_ORGANIZATION', 'PRIVATE_NON_ENTERPRISE', 'FOUNDATION', 'PUBLIC_INSTITUTION', 'GOVERNMENT_ORGAN');

-- CreateEnum
CREATE TYPE "EnterpriseStatus" AS ENUM ('ACTIVE', 'REVOKED', 'DEREGISTERED');

-- CreateEnum
CREATE TYPE "Severity" AS ENUM ('MINOR', 'GENERAL', 'SEVERE');

-- CreateEnum
CREATE TYPE "ListType" AS ENUM ('SEVERE_DISHONESTY', 'ABNORMAL_OPERATION');

-- CreateEnum
CREATE TYPE "CommitmentStatus" AS ENUM ('IN_FORCE', 'FULFILLED', 'BREACHED', 'EXPIRED');

-- CreateTable
CREATE TABLE "Enterprise" (
    "uscc" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "entityType" "EntityType" NOT NULL,
    "legalRepresentative" TEXT NOT NULL,
    "registeredCapital" DECIMAL(14,2) NOT NULL,
    "establishedOn" DATE NOT NULL,
    "divisionCode" TEXT NOT NULL,
    "industry" TEXT NOT NULL,
    "status" "EnterpriseStatus" NOT NULL DEFAULT 'ACTIVE',
    "address" TEXT NOT NULL,
    "businessScope" TEXT NOT NULL,

    CONSTRAINT "Enterprise_pkey" PRIMARY KEY ("uscc")
);

-- CreateTable
CREATE TABLE "AdministrativeLicense" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "decisionNumber" TEXT NOT NULL,
    "licenseName" TEXT NOT NULL,
    "certificateName" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "licenseNumber" TEXT NOT NULL,
    "decisionDate" DATE NOT NULL,
    "validFrom" DATE NOT NULL,
    "validTo" DATE,
    "content" TEXT NOT NULL,
    "authority" TEXT NOT NULL,
    "authorityUscc" TEXT NOT NULL,
    "dataSource" TEXT NOT NULL,
    "dataSourceUscc" TEXT NOT NULL,

    CONSTRAINT "AdministrativeLicense_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AdministrativePenalty" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "decisionNumber" TEXT NOT NULL,
    "category" TEXT NOT NULL,
    "decisionDate" DATE NOT NULL,
    "content" TEXT NOT NULL,
    "fineAmount" DECIMAL(14,4) NOT NULL,
    "confiscatedAmount" DECIMAL(14,4) NOT NULL,
    "licenseAffected" TEXT,
    "violationType" TEXT NOT NULL,
    "facts" TEXT NOT NULL,
    "legalBasis" TEXT NOT NULL,
    "severity" "Severity" NOT NULL,
    "authority" TEXT NOT NULL,
    "authorityUscc" TEXT NOT NULL,
    "dataSource" TEXT NOT NULL,
    "dataSourceUscc" TEXT NOT NULL,

    CONSTRAINT "AdministrativePenalty_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DishonestyListEntry" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "listType" "ListType" NOT NULL,
    "authority" TEXT NOT NULL,
    "legalBasis" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "listedOn" DATE NOT NULL,
    "expiresOn" DATE NOT NULL,
    "removedOn" DATE,
    "measures" TEXT[],

    CONSTRAINT "DishonestyListEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CreditCommitment" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "madeOn" DATE NOT NULL,
    "termEnd" DATE NOT NULL,
    "status" "CommitmentStatus" NOT NULL,

    CONSTRAINT "CreditCommitment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Enterprise_divisionCode_idx" ON "Enterprise"("divisionCode");

-- CreateIndex
CREATE INDEX "Enterprise_industry_idx" ON "Enterprise"("industry");

-- CreateIndex
CREATE INDEX "Enterprise_status_idx" ON "Enterprise"("status");

-- CreateIndex
CREATE INDEX "Enterprise_name_idx" ON "Enterprise"("name");

-- CreateIndex
CREATE UNIQUE INDEX "AdministrativeLicense_decisionNumber_key" ON "AdministrativeLicense"("decisionNumber");

-- CreateIndex
CREATE INDEX "AdministrativeLicense_uscc_idx" ON "AdministrativeLicense"("uscc");

-- CreateIndex
CREATE UNIQUE INDEX "AdministrativePenalty_decisionNumber_key" ON "AdministrativePenalty"("decisionNumber");

-- CreateIndex
CREATE INDEX "AdministrativePenalty_uscc_idx" ON "AdministrativePenalty"("uscc");

-- CreateIndex
CREATE INDEX "DishonestyListEntry_uscc_idx" ON "DishonestyListEntry"("uscc");

-- CreateIndex
CREATE INDEX "DishonestyListEntry_listType_idx" ON "DishonestyListEntry"("listType");

-- CreateIndex
CREATE INDEX "CreditCommitment_uscc_idx" ON "CreditCommitment"("uscc");

-- AddForeignKey
ALTER TABLE "AdministrativeLicense" ADD CONSTRAINT "AdministrativeLicense_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "Enterprise"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AdministrativePenalty" ADD CONSTRAINT "AdministrativePenalty_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "Enterprise"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DishonestyListEntry" ADD CONSTRAINT "DishonestyListEntry_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "Enterprise"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CreditCommitment" ADD CONSTRAINT "CreditCommitment_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "Enterprise"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;


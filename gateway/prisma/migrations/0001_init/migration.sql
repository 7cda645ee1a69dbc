-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('PUBLIC', 'BANK', 'SECTOR_PLATFORM', 'REGULATOR', 'ENTERPRISE', 'DEVELOPER');

-- CreateEnum
CREATE TYPE "Purpose" AS ENUM ('LOAN_APPROVAL', 'LOAN_MONITORING', 'SUPERVISION', 'PROCUREMENT', 'SELF_QUERY');

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "institution" TEXT,
    "sector" TEXT,
    "uscc" TEXT,
    "scopes" TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Consent" (
    "id" TEXT NOT NULL,
    "enterpriseUscc" TEXT NOT NULL,
    "institution" TEXT NOT NULL,
    "purpose" "Purpose" NOT NULL,
    "grantedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "Consent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditRecord" (
    "seq" BIGSERIAL NOT NULL,
    "id" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "subject" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "institution" TEXT,
    "purpose" "Purpose",
    "consentIds" TEXT[],
    "operationName" TEXT,
    "operationHash" TEXT NOT NULL,
    "subjects" TEXT[],
    "scopesUsed" TEXT[],
    "outcome" TEXT NOT NULL,
    "clientAddress" TEXT,
    "previousHash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,

    CONSTRAINT "AuditRecord_pkey" PRIMARY KEY ("seq")
);

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_prefix_key" ON "ApiKey"("prefix");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_hash_key" ON "ApiKey"("hash");

-- CreateIndex
CREATE INDEX "ApiKey_institution_idx" ON "ApiKey"("institution");

-- CreateIndex
CREATE INDEX "Consent_institution_purpose_idx" ON "Consent"("institution", "purpose");

-- CreateIndex
CREATE INDEX "Consent_enterpriseUscc_idx" ON "Consent"("enterpriseUscc");

-- CreateIndex
CREATE UNIQUE INDEX "AuditRecord_id_key" ON "AuditRecord"("id");

-- CreateIndex
CREATE UNIQUE INDEX "AuditRecord_hash_key" ON "AuditRecord"("hash");

-- CreateIndex
CREATE INDEX "AuditRecord_at_idx" ON "AuditRecord"("at");

-- CreateIndex
CREATE INDEX "AuditRecord_subjects_idx" ON "AuditRecord" USING GIN ("subjects");

-- CreateIndex
CREATE INDEX "AuditRecord_institution_at_idx" ON "AuditRecord"("institution", "at");


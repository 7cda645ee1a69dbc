-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "LogisticsCategory" AS ENUM ('COLD_CHAIN', 'HAZARDOUS_GOODS', 'GENERAL');

-- CreateEnum
CREATE TYPE "LogisticsCreditRating" AS ENUM ('AAA', 'AA', 'A', 'B', 'C');

-- CreateEnum
CREATE TYPE "LogisticsIncidentKind" AS ENUM ('TEMPERATURE_BREACH', 'LEAK', 'DELAY', 'DAMAGE', 'ACCIDENT');

-- CreateEnum
CREATE TYPE "Severity" AS ENUM ('MINOR', 'GENERAL', 'SEVERE');

-- CreateEnum
CREATE TYPE "SupplyChainRelation" AS ENUM ('SUPPLIER', 'CUSTOMER');

-- CreateEnum
CREATE TYPE "TraceabilityStage" AS ENUM ('PRODUCTION', 'INSPECTION', 'WAREHOUSING', 'COLD_CHAIN_TRANSPORT', 'TRANSPORT', 'WHOLESALE', 'RETAIL');

-- CreateTable
CREATE TABLE "SupplyChainProfile" (
    "uscc" TEXT NOT NULL,
    "updatedOn" DATE NOT NULL,

    CONSTRAINT "SupplyChainProfile_pkey" PRIMARY KEY ("uscc")
);

-- CreateTable
CREATE TABLE "LogisticsCredit" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "category" "LogisticsCategory" NOT NULL,
    "rating" "LogisticsCreditRating" NOT NULL,
    "ratedBy" TEXT NOT NULL,
    "ratedOn" DATE NOT NULL,
    "validUntil" DATE NOT NULL,

    CONSTRAINT "LogisticsCredit_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LogisticsIncident" (
    "id" TEXT NOT NULL,
    "creditId" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "occurredOn" DATE NOT NULL,
    "kind" "LogisticsIncidentKind" NOT NULL,
    "description" TEXT NOT NULL,
    "severity" "Severity" NOT NULL,
    "losses" DECIMAL(14,4) NOT NULL,

    CONSTRAINT "LogisticsIncident_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SupplyChainPartner" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "partnerUscc" TEXT NOT NULL,
    "relation" "SupplyChainRelation" NOT NULL,
    "since" DATE NOT NULL,
    "annualVolume" DECIMAL(14,2) NOT NULL,
    "share" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "SupplyChainPartner_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TraceabilityCode" (
    "code" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "product" TEXT NOT NULL,
    "batch" TEXT NOT NULL,
    "producedOn" DATE NOT NULL,

    CONSTRAINT "TraceabilityCode_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "TraceabilityStep" (
    "id" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "sequence" INTEGER NOT NULL,
    "stage" "TraceabilityStage" NOT NULL,
    "operatorUscc" TEXT NOT NULL,
    "location" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,
    "temperatureCelsius" DOUBLE PRECISION,

    CONSTRAINT "TraceabilityStep_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "LogisticsCredit_uscc_category_key" ON "LogisticsCredit"("uscc", "category");

-- CreateIndex
CREATE INDEX "LogisticsIncident_creditId_idx" ON "LogisticsIncident"("creditId");

-- CreateIndex
CREATE INDEX "LogisticsIncident_uscc_idx" ON "LogisticsIncident"("uscc");

-- CreateIndex
CREATE INDEX "SupplyChainPartner_uscc_idx" ON "SupplyChainPartner"("uscc");

-- CreateIndex
CREATE INDEX "SupplyChainPartner_partnerUscc_idx" ON "SupplyChainPartner"("partnerUscc");

-- CreateIndex
CREATE INDEX "TraceabilityCode_uscc_producedOn_idx" ON "TraceabilityCode"("uscc", "producedOn");

-- CreateIndex
CREATE INDEX "TraceabilityStep_operatorUscc_idx" ON "TraceabilityStep"("operatorUscc");

-- CreateIndex
CREATE UNIQUE INDEX "TraceabilityStep_code_sequence_key" ON "TraceabilityStep"("code", "sequence");

-- AddForeignKey
ALTER TABLE "LogisticsIncident" ADD CONSTRAINT "LogisticsIncident_creditId_fkey" FOREIGN KEY ("creditId") REFERENCES "LogisticsCredit"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TraceabilityStep" ADD CONSTRAINT "TraceabilityStep_code_fkey" FOREIGN KEY ("code") REFERENCES "TraceabilityCode"("code") ON DELETE RESTRICT ON UPDATE CASCADE;


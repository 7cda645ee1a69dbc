-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "EnvironmentalRatingLevel" AS ENUM ('GREEN', 'BLUE', 'YELLOW', 'RED', 'BLACK');

-- CreateEnum
CREATE TYPE "EnvironmentalViolationKind" AS ENUM ('EXCESS_EMISSION', 'ILLEGAL_DISCHARGE', 'FALSIFIED_MONITORING_DATA', 'NO_PERMIT', 'HAZARDOUS_WASTE', 'DUST_CONTROL', 'OTHER');

-- CreateEnum
CREATE TYPE "Severity" AS ENUM ('MINOR', 'GENERAL', 'SEVERE');

-- CreateEnum
CREATE TYPE "DisclosureStatus" AS ENUM ('DISCLOSED', 'LATE', 'NOT_DISCLOSED', 'NOT_REQUIRED');

-- CreateTable
CREATE TABLE "EnvironmentSubject" (
    "uscc" TEXT NOT NULL,

    CONSTRAINT "EnvironmentSubject_pkey" PRIMARY KEY ("uscc")
);

-- CreateTable
CREATE TABLE "EnvironmentalRating" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "level" "EnvironmentalRatingLevel" NOT NULL,
    "score" INTEGER NOT NULL,
    "ratedBy" TEXT NOT NULL,

    CONSTRAINT "EnvironmentalRating_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EnvironmentalViolation" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "decisionNumber" TEXT NOT NULL,
    "occurredOn" DATE NOT NULL,
    "decidedOn" DATE NOT NULL,
    "kind" "EnvironmentalViolationKind" NOT NULL,
    "description" TEXT NOT NULL,
    "penaltyAmount" DECIMAL(14,4) NOT NULL,
    "severity" "Severity" NOT NULL,
    "authority" TEXT NOT NULL,
    "authorityUscc" TEXT NOT NULL,
    "corrected" BOOLEAN NOT NULL,
    "correctedOn" DATE,

    CONSTRAINT "EnvironmentalViolation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EnvironmentalDisclosure" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "required" BOOLEAN NOT NULL,
    "status" "DisclosureStatus" NOT NULL,
    "disclosedOn" DATE,

    CONSTRAINT "EnvironmentalDisclosure_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CarbonEmission" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "tonnesCo2e" DOUBLE PRECISION NOT NULL,
    "verified" BOOLEAN NOT NULL,
    "verifier" TEXT,

    CONSTRAINT "CarbonEmission_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "EnvironmentalRating_uscc_idx" ON "EnvironmentalRating"("uscc");

-- CreateIndex
CREATE INDEX "EnvironmentalRating_year_level_uscc_idx" ON "EnvironmentalRating"("year", "level", "uscc");

-- CreateIndex
CREATE UNIQUE INDEX "EnvironmentalRating_uscc_year_key" ON "EnvironmentalRating"("uscc", "year");

-- CreateIndex
CREATE UNIQUE INDEX "EnvironmentalViolation_decisionNumber_key" ON "EnvironmentalViolation"("decisionNumber");

-- CreateIndex
CREATE INDEX "EnvironmentalViolation_uscc_idx" ON "EnvironmentalViolation"("uscc");

-- CreateIndex
CREATE INDEX "EnvironmentalDisclosure_uscc_idx" ON "EnvironmentalDisclosure"("uscc");

-- CreateIndex
CREATE UNIQUE INDEX "EnvironmentalDisclosure_uscc_year_key" ON "EnvironmentalDisclosure"("uscc", "year");

-- CreateIndex
CREATE INDEX "CarbonEmission_uscc_idx" ON "CarbonEmission"("uscc");

-- CreateIndex
CREATE UNIQUE INDEX "CarbonEmission_uscc_year_key" ON "CarbonEmission"("uscc", "year");

-- AddForeignKey
ALTER TABLE "EnvironmentalRating" ADD CONSTRAINT "EnvironmentalRating_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "EnvironmentSubject"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EnvironmentalViolation" ADD CONSTRAINT "EnvironmentalViolation_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "EnvironmentSubject"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EnvironmentalDisclosure" ADD CONSTRAINT "EnvironmentalDisclosure_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "EnvironmentSubject"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CarbonEmission" ADD CONSTRAINT "CarbonEmission_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "EnvironmentSubject"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;


-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "CustomsCreditCategory" AS ENUM ('ADVANCED_CERTIFIED', 'CERTIFIED', 'ROUTINE', 'DISHONEST', 'SEVERELY_DISHONEST');

-- CreateEnum
CREATE TYPE "DeclarationViolationKind" AS ENUM ('MISDECLARED_VALUE', 'MISDECLARED_ORIGIN', 'MISDECLARED_CLASSIFICATION', 'SMUGGLING', 'LATE_DECLARATION', 'OTHER');

-- CreateEnum
CREATE TYPE "Severity" AS ENUM ('MINOR', 'GENERAL', 'SEVERE');

-- CreateEnum
CREATE TYPE "InvestmentDirection" AS ENUM ('INBOUND', 'OUTBOUND');

-- CreateEnum
CREATE TYPE "NegativeListCheckResult" AS ENUM ('PERMITTED', 'RESTRICTED_APPROVED', 'PROHIBITED_REJECTED');

-- CreateTable
CREATE TABLE "CustomsCredit" (
    "uscc" TEXT NOT NULL,
    "customsCode" CHAR(10) NOT NULL,
    "category" "CustomsCreditCategory" NOT NULL,
    "since" DATE NOT NULL,
    "aeoCertificateNumber" TEXT,

    CONSTRAINT "CustomsCredit_pkey" PRIMARY KEY ("uscc")
);

-- CreateTable
CREATE TABLE "CustomsCreditChange" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "category" "CustomsCreditCategory" NOT NULL,
    "from" DATE NOT NULL,
    "to" DATE,

    CONSTRAINT "CustomsCreditChange_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TradeVolume" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "importUsd" DECIMAL(14,2) NOT NULL,
    "exportUsd" DECIMAL(14,2) NOT NULL,
    "mainMarkets" TEXT[],

    CONSTRAINT "TradeVolume_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeclarationViolation" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "decisionNumber" TEXT NOT NULL,
    "decidedOn" DATE NOT NULL,
    "kind" "DeclarationViolationKind" NOT NULL,
    "description" TEXT NOT NULL,
    "penaltyAmount" DECIMAL(14,4) NOT NULL,
    "severity" "Severity" NOT NULL,

    CONSTRAINT "DeclarationViolation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "CrossBorderInvestment" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "direction" "InvestmentDirection" NOT NULL,
    "country" CHAR(2) NOT NULL,
    "countryName" TEXT NOT NULL,
    "amount" DECIMAL(14,2) NOT NULL,
    "sector" TEXT NOT NULL,
    "filedOn" DATE NOT NULL,
    "negativeListCheck" "NegativeListCheckResult" NOT NULL,
    "approvalNumber" TEXT,

    CONSTRAINT "CrossBorderInvestment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CustomsCredit_category_uscc_idx" ON "CustomsCredit"("category", "uscc");

-- CreateIndex
CREATE INDEX "CustomsCreditChange_uscc_idx" ON "CustomsCreditChange"("uscc");

-- CreateIndex
CREATE UNIQUE INDEX "TradeVolume_uscc_year_key" ON "TradeVolume"("uscc", "year");

-- CreateIndex
CREATE UNIQUE INDEX "DeclarationViolation_decisionNumber_key" ON "DeclarationViolation"("decisionNumber");

-- CreateIndex
CREATE INDEX "DeclarationViolation_uscc_idx" ON "DeclarationViolation"("uscc");

-- CreateIndex
CREATE INDEX "CrossBorderInvestment_uscc_idx" ON "CrossBorderInvestment"("uscc");

-- AddForeignKey
ALTER TABLE "CustomsCreditChange" ADD CONSTRAINT "CustomsCreditChange_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "CustomsCredit"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TradeVolume" ADD CONSTRAINT "TradeVolume_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "CustomsCredit"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeclarationViolation" ADD CONSTRAINT "DeclarationViolation_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "CustomsCredit"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CrossBorderInvestment" ADD CONSTRAINT "CrossBorderInvestment_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "CustomsCredit"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;


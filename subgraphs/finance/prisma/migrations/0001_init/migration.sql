-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "TaxCreditLevel" AS ENUM ('A', 'B', 'M', 'C', 'D');

-- CreateEnum
CREATE TYPE "UtilityKind" AS ENUM ('WATER', 'ELECTRICITY', 'GAS');

-- CreateEnum
CREATE TYPE "LoanStatus" AS ENUM ('APPLIED', 'APPROVED', 'DISBURSED', 'REPAID', 'OVERDUE', 'DEFAULTED', 'REJECTED');

-- CreateEnum
CREATE TYPE "FinancingProductKind" AS ENUM ('CREDIT', 'MORTGAGE', 'GUARANTEE', 'SUPPLY_CHAIN', 'TAX_BASED');

-- CreateTable
CREATE TABLE "FinanceProfile" (
    "uscc" TEXT NOT NULL,
    "authorizedOn" DATE NOT NULL,

    CONSTRAINT "FinanceProfile_pkey" PRIMARY KEY ("uscc")
);

-- CreateTable
CREATE TABLE "TaxCreditRating" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "level" "TaxCreditLevel" NOT NULL,
    "score" INTEGER NOT NULL,

    CONSTRAINT "TaxCreditRating_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SocialInsurancePayment" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "insuredHeadcount" INTEGER NOT NULL,
    "monthsInArrears" INTEGER NOT NULL,
    "arrearsAmount" DECIMAL(14,4) NOT NULL,

    CONSTRAINT "SocialInsurancePayment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "HousingFundPayment" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "depositorHeadcount" INTEGER NOT NULL,
    "monthsInArrears" INTEGER NOT NULL,

    CONSTRAINT "HousingFundPayment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UtilityPayment" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "year" INTEGER NOT NULL,
    "utility" "UtilityKind" NOT NULL,
    "onTimeRate" DOUBLE PRECISION NOT NULL,
    "overdueBills" INTEGER NOT NULL,

    CONSTRAINT "UtilityPayment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "XinYiDaiLoan" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "bankName" TEXT NOT NULL,
    "bankUscc" TEXT NOT NULL,
    "productName" TEXT NOT NULL,
    "amount" DECIMAL(14,4) NOT NULL,
    "appliedOn" DATE NOT NULL,
    "grantedOn" DATE,
    "maturesOn" DATE,
    "status" "LoanStatus" NOT NULL,
    "overdueDays" INTEGER NOT NULL,

    CONSTRAINT "XinYiDaiLoan_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FinancingProduct" (
    "id" TEXT NOT NULL,
    "bankName" TEXT NOT NULL,
    "bankUscc" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "FinancingProductKind" NOT NULL,
    "maxAmount" DECIMAL(14,4) NOT NULL,
    "annualRateFrom" DECIMAL(6,3) NOT NULL,
    "termMonths" INTEGER NOT NULL,
    "requirements" TEXT NOT NULL,

    CONSTRAINT "FinancingProduct_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TaxCreditRating_uscc_idx" ON "TaxCreditRating"("uscc");

-- CreateIndex
CREATE INDEX "SocialInsurancePayment_uscc_idx" ON "SocialInsurancePayment"("uscc");

-- CreateIndex
CREATE INDEX "HousingFundPayment_uscc_idx" ON "HousingFundPayment"("uscc");

-- CreateIndex
CREATE INDEX "UtilityPayment_uscc_idx" ON "UtilityPayment"("uscc");

-- CreateIndex
CREATE INDEX "XinYiDaiLoan_uscc_idx" ON "XinYiDaiLoan"("uscc");

-- CreateIndex
CREATE INDEX "XinYiDaiLoan_productId_idx" ON "XinYiDaiLoan"("productId");

-- CreateIndex
CREATE INDEX "FinancingProduct_bankName_idx" ON "FinancingProduct"("bankName");

-- AddForeignKey
ALTER TABLE "TaxCreditRating" ADD CONSTRAINT "TaxCreditRating_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "FinanceProfile"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SocialInsurancePayment" ADD CONSTRAINT "SocialInsurancePayment_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "FinanceProfile"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "HousingFundPayment" ADD CONSTRAINT "HousingFundPayment_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "FinanceProfile"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UtilityPayment" ADD CONSTRAINT "UtilityPayment_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "FinanceProfile"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "XinYiDaiLoan" ADD CONSTRAINT "XinYiDaiLoan_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "FinanceProfile"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "XinYiDaiLoan" ADD CONSTRAINT "XinYiDaiLoan_productId_fkey" FOREIGN KEY ("productId") REFERENCES "FinancingProduct"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


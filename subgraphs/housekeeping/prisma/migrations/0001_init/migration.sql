-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "HousekeepingComplaintCategory" AS ENUM ('SERVICE_QUALITY', 'PROPERTY_DAMAGE', 'PRICE_DISPUTE', 'ABUSE', 'THEFT', 'NO_SHOW');

-- CreateEnum
CREATE TYPE "Sex" AS ENUM ('FEMALE', 'MALE');

-- CreateEnum
CREATE TYPE "BackgroundCheckOutcome" AS ENUM ('CLEAR', 'FLAGGED', 'PENDING');

-- CreateEnum
CREATE TYPE "BackgroundCheckCategory" AS ENUM ('THEFT', 'ABUSE', 'INTENTIONAL_INJURY', 'RAPE', 'ARSON', 'SEVERE_MENTAL_ILLNESS');

-- CreateEnum
CREATE TYPE "WorkerServiceType" AS ENUM ('LIVE_IN_NANNY', 'CHILDCARE', 'MATERNITY_CARE', 'ELDERLY_CARE', 'HOURLY_CLEANING', 'HOME_CLEANING');

-- CreateEnum
CREATE TYPE "Severity" AS ENUM ('MINOR', 'GENERAL', 'SEVERE');

-- CreateEnum
CREATE TYPE "ElderlyCareInspectionResult" AS ENUM ('PASSED', 'RECTIFICATION_REQUIRED', 'FAILED');

-- CreateTable
CREATE TABLE "HousekeepingCompany" (
    "uscc" TEXT NOT NULL,
    "serviceRating" DOUBLE PRECISION,
    "ratingCount" INTEGER NOT NULL,

    CONSTRAINT "HousekeepingCompany_pkey" PRIMARY KEY ("uscc")
);

-- CreateTable
CREATE TABLE "HousekeepingComplaint" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "receivedOn" DATE NOT NULL,
    "category" "HousekeepingComplaintCategory" NOT NULL,
    "summary" TEXT NOT NULL,
    "resolved" BOOLEAN NOT NULL,

    CONSTRAINT "HousekeepingComplaint_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Worker" (
    "id" TEXT NOT NULL,
    "uscc" TEXT,
    "employedSince" DATE,
    "name" TEXT NOT NULL,
    "sex" "Sex" NOT NULL,
    "birthDate" DATE NOT NULL,
    "ratingAverage" DOUBLE PRECISION,
    "ratingCount" INTEGER NOT NULL,
    "backgroundOutcome" "BackgroundCheckOutcome" NOT NULL,
    "backgroundCheckedOn" DATE,
    "flaggedCategories" "BackgroundCheckCategory"[],

    CONSTRAINT "Worker_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WorkerCertificate" (
    "id" TEXT NOT NULL,
    "workerId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "level" TEXT NOT NULL,
    "issuedOn" DATE NOT NULL,
    "issuer" TEXT NOT NULL,

    CONSTRAINT "WorkerCertificate_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WorkerTraining" (
    "id" TEXT NOT NULL,
    "workerId" TEXT NOT NULL,
    "course" TEXT NOT NULL,
    "hours" INTEGER NOT NULL,
    "completedOn" DATE NOT NULL,
    "provider" TEXT NOT NULL,

    CONSTRAINT "WorkerTraining_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WorkerServiceRecord" (
    "id" TEXT NOT NULL,
    "workerId" TEXT NOT NULL,
    "employerUscc" TEXT NOT NULL,
    "serviceType" "WorkerServiceType" NOT NULL,
    "from" DATE NOT NULL,
    "to" DATE,

    CONSTRAINT "WorkerServiceRecord_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ElderlyCareInstitution" (
    "uscc" TEXT NOT NULL,
    "filed" BOOLEAN NOT NULL,
    "filingNumber" TEXT,
    "filedOn" DATE,
    "assessedGrade" INTEGER,
    "gradedOn" DATE,
    "beds" INTEGER NOT NULL,
    "onDishonestyList" BOOLEAN NOT NULL,

    CONSTRAINT "ElderlyCareInstitution_pkey" PRIMARY KEY ("uscc")
);

-- CreateTable
CREATE TABLE "ElderlyCareInspection" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "inspectedOn" DATE NOT NULL,
    "inspector" TEXT NOT NULL,
    "inspectorUscc" TEXT NOT NULL,
    "result" "ElderlyCareInspectionResult" NOT NULL,
    "findings" TEXT NOT NULL,

    CONSTRAINT "ElderlyCareInspection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ElderlyCarePenalty" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "decisionNumber" TEXT NOT NULL,
    "decidedOn" DATE NOT NULL,
    "reason" TEXT NOT NULL,
    "amount" DECIMAL(14,4) NOT NULL,
    "severity" "Severity" NOT NULL,

    CONSTRAINT "ElderlyCarePenalty_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ElderlyCareCommitment" (
    "id" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "madeOn" DATE NOT NULL,
    "termEnd" DATE NOT NULL,

    CONSTRAINT "ElderlyCareCommitment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "HousekeepingComplaint_uscc_idx" ON "HousekeepingComplaint"("uscc");

-- CreateIndex
CREATE INDEX "Worker_uscc_idx" ON "Worker"("uscc");

-- CreateIndex
CREATE INDEX "WorkerCertificate_workerId_idx" ON "WorkerCertificate"("workerId");

-- CreateIndex
CREATE INDEX "WorkerTraining_workerId_idx" ON "WorkerTraining"("workerId");

-- CreateIndex
CREATE INDEX "WorkerServiceRecord_workerId_idx" ON "WorkerServiceRecord"("workerId");

-- CreateIndex
CREATE INDEX "ElderlyCareInspection_uscc_idx" ON "ElderlyCareInspection"("uscc");

-- CreateIndex
CREATE UNIQUE INDEX "ElderlyCarePenalty_decisionNumber_key" ON "ElderlyCarePenalty"("decisionNumber");

-- CreateIndex
CREATE INDEX "ElderlyCarePenalty_uscc_idx" ON "ElderlyCarePenalty"("uscc");

-- CreateIndex
CREATE INDEX "ElderlyCareCommitment_uscc_idx" ON "ElderlyCareCommitment"("uscc");

-- AddForeignKey
ALTER TABLE "HousekeepingComplaint" ADD CONSTRAINT "HousekeepingComplaint_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "HousekeepingCompany"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Worker" ADD CONSTRAINT "Worker_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "HousekeepingCompany"("uscc") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WorkerCertificate" ADD CONSTRAINT "WorkerCertificate_workerId_fkey" FOREIGN KEY ("workerId") REFERENCES "Worker"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WorkerTraining" ADD CONSTRAINT "WorkerTraining_workerId_fkey" FOREIGN KEY ("workerId") REFERENCES "Worker"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WorkerServiceRecord" ADD CONSTRAINT "WorkerServiceRecord_workerId_fkey" FOREIGN KEY ("workerId") REFERENCES "Worker"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ElderlyCareInspection" ADD CONSTRAINT "ElderlyCareInspection_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "ElderlyCareInstitution"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ElderlyCarePenalty" ADD CONSTRAINT "ElderlyCarePenalty_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "ElderlyCareInstitution"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ElderlyCareCommitment" ADD CONSTRAINT "ElderlyCareCommitment_uscc_fkey" FOREIGN KEY ("uscc") REFERENCES "ElderlyCareInstitution"("uscc") ON DELETE RESTRICT ON UPDATE CASCADE;


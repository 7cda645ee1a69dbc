-- Issued public credit reports (issue 12 §6): the signed record of each report (number,
-- subject, issuer, digests, MAC), so that anyone can verify a report by number and code.
-- No report content is kept: the data stays in the subgraphs.
CREATE TABLE "CreditReport" (
    "number" TEXT NOT NULL,
    "uscc" TEXT NOT NULL,
    "enterpriseName" TEXT NOT NULL,
    "issuedAt" TIMESTAMP(3) NOT NULL,
    "issuerSubject" TEXT NOT NULL,
    "issuerRole" TEXT NOT NULL,
    "issuerInstitution" TEXT,
    "purpose" TEXT,
    "grade" TEXT NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "sections" TEXT[],
    "contentDigest" TEXT NOT NULL,
    "pdfSha256" TEXT NOT NULL,
    "htmlSha256" TEXT NOT NULL,
    "keyId" TEXT NOT NULL,
    "mac" TEXT NOT NULL,

    CONSTRAINT "CreditReport_pkey" PRIMARY KEY ("number")
);

CREATE INDEX "CreditReport_uscc_issuedAt_idx" ON "CreditReport"("uscc", "issuedAt");

-- Banks' change feed: what each write changed, and the last grade seen per enterprise.
CREATE TABLE "CreditChange" (
    "seq" BIGSERIAL NOT NULL,
    "uscc" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "recordId" TEXT,
    "gradeAfter" TEXT,
    "occurredAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CreditChange_pkey" PRIMARY KEY ("seq")
);

CREATE INDEX "CreditChange_uscc_seq_idx" ON "CreditChange"("uscc", "seq");

CREATE TABLE "KnownGrade" (
    "uscc" TEXT NOT NULL,
    "grade" TEXT NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "KnownGrade_pkey" PRIMARY KEY ("uscc")
);

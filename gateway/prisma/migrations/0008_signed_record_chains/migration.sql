-- Stored credit verifications and issued credit reports become chained signed records (issue 12
-- §4, audit/signed-records.ts): each row gets a position (`seq`) and the MAC of the row before it
-- (`previousHash`), both under its own MAC, so that a deleted, reordered or truncated row is
-- found by `credit-graph audit verify` as for the audit log.
--
-- Existing rows: the key that signs is kept outside the database, so SQL cannot chain them.
-- They are numbered 1..n in the order they were made (time, then number) and left with
-- previousHash NULL: *unchained* rows, still signed alone (an edit of one is detected as before;
-- verifying them needs no re-signing), reported by `verify` as unchained; the first row the
-- gateway stores after this migration is chained to the last of them (its previousHash is that
-- row's mac). A deletion among the unchained rows that also renumbers them is not detectable;
-- deleting the last of them is (the chain's first link breaks). The alternative, re-signing
-- them at start-up, would sign whatever the table holds at that moment, forged or not.

-- AlterTable
ALTER TABLE "CreditVerification" ADD COLUMN     "previousHash" TEXT,
ADD COLUMN     "seq" BIGINT;

UPDATE "CreditVerification" AS v SET "seq" = o.n
FROM (SELECT "number", row_number() OVER (ORDER BY "at", "number") AS n FROM "CreditVerification") AS o
WHERE v."number" = o."number";

ALTER TABLE "CreditVerification" ALTER COLUMN "seq" SET NOT NULL;

-- AlterTable
ALTER TABLE "CreditReport" ADD COLUMN     "previousHash" TEXT,
ADD COLUMN     "seq" BIGINT;

UPDATE "CreditReport" AS r SET "seq" = o.n
FROM (SELECT "number", row_number() OVER (ORDER BY "issuedAt", "number") AS n FROM "CreditReport") AS o
WHERE r."number" = o."number";

ALTER TABLE "CreditReport" ALTER COLUMN "seq" SET NOT NULL;

-- CreateIndex
CREATE UNIQUE INDEX "CreditVerification_seq_key" ON "CreditVerification"("seq");

-- CreateIndex
CREATE UNIQUE INDEX "CreditVerification_mac_key" ON "CreditVerification"("mac");

-- CreateIndex
CREATE UNIQUE INDEX "CreditReport_seq_key" ON "CreditReport"("seq");

-- CreateIndex
CREATE UNIQUE INDEX "CreditReport_mac_key" ON "CreditReport"("mac");

-- The sector a credit commitment concerns (issue 9 §8): only that sector's platform, or a
-- regulator, records its outcome. Existing commitments have none: regulators only.
ALTER TABLE "CreditCommitment" ADD COLUMN "sector" TEXT;

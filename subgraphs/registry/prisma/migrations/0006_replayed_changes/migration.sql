-- The changes a write reported, kept with its idempotency key so that a replay reports them again.
-- AlterTable
ALTER TABLE "IdempotencyKey" ADD COLUMN     "changes" JSONB;


-- CreateTable
CREATE TABLE "SafelistedOperation" (
    "client" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "name" TEXT,
    "query" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SafelistedOperation_pkey" PRIMARY KEY ("client","hash")
);

-- CreateIndex
CREATE INDEX "SafelistedOperation_hash_idx" ON "SafelistedOperation"("hash");


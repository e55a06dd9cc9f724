-- Open311 partners (issue 11): per-partner API keys, and which tickets Open311 may show.

-- A partner's key: only its sha256 is stored; `prefix` tells keys apart in the admin list.
CREATE TABLE "open311_keys" (
    "id" SERIAL NOT NULL,
    "partner" TEXT NOT NULL,
    "key_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "created_by_id" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),
    "revoked_at" TIMESTAMPTZ(3),
    "revoked_by_id" INTEGER,

    CONSTRAINT "open311_keys_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "open311_keys_key_hash_key" ON "open311_keys"("key_hash");

-- Public on Open311: set for tickets a partner reports, or by an agent's PUBLISH event. Nothing
-- existing becomes public: tickets posted before partner keys came with an agent's token and
-- are published by an agent if at all.
ALTER TABLE "tickets" ADD COLUMN "public" BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN "public_summary" TEXT,
    ADD COLUMN "open311_key_id" INTEGER;
CREATE INDEX "tickets_public_created_at_id_idx" ON "tickets"("public", "created_at" DESC, "id" DESC);
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_open311_key_id_fkey" FOREIGN KEY ("open311_key_id") REFERENCES "open311_keys"("id") ON DELETE SET NULL ON UPDATE CASCADE;

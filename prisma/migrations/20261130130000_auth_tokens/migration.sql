-- Bearer token revocation (src/auth/auth.service.ts).

-- Every token carries the user's token_version at issue (claim `ver`); raising it revokes all
-- of the user's tokens at once: password change or reset, disabling the user.
ALTER TABLE "users" ADD COLUMN "token_version" INTEGER NOT NULL DEFAULT 0;

-- Single tokens revoked by logout, by their `jti`, until they would have expired anyway.
CREATE TABLE "revoked_tokens" (
    "jti" TEXT NOT NULL,
    "user_id" INTEGER NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "revoked_tokens_pkey" PRIMARY KEY ("jti")
);
CREATE INDEX "revoked_tokens_user_id_expires_at_idx" ON "revoked_tokens"("user_id", "expires_at");
ALTER TABLE "revoked_tokens" ADD CONSTRAINT "revoked_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

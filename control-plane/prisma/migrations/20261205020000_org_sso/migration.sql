-- Single sign-on per organization (issue 17): an OpenID Connect provider (issuer, client, the email domains
-- it may vouch for, the role of people it brings in, and whether members must use it), and the state of
-- each sign-in between the redirect to the provider and its return (PKCE verifier, state, nonce, bound to
-- the browser that started it). The client secret is sealed like a BYOK key (services/byok/).

CREATE TABLE "org_sso" (
    "org_id" TEXT NOT NULL,
    "issuer" TEXT NOT NULL,
    "client_id" TEXT NOT NULL,
    "client_secret_ciphertext" BYTEA,
    "client_secret_iv" BYTEA,
    "client_secret_auth_tag" BYTEA,
    "client_secret_wrapped_data_key" BYTEA,
    "client_secret_master_key_version" INTEGER,
    "allowed_domains" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "default_role" "membership_role" NOT NULL DEFAULT 'member',
    "sso_required" BOOLEAN NOT NULL DEFAULT false,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "org_sso_pkey" PRIMARY KEY ("org_id"),
    CONSTRAINT "org_sso_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "sso_logins" (
    "id" TEXT NOT NULL,
    "state_hash" TEXT NOT NULL,
    "browser_hash" TEXT NOT NULL,
    "org_id" TEXT NOT NULL,
    "code_verifier" TEXT NOT NULL,
    "nonce" TEXT NOT NULL,
    "return_to" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    CONSTRAINT "sso_logins_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "sso_logins_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "organizations"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "sso_logins_state_hash_key" ON "sso_logins"("state_hash");

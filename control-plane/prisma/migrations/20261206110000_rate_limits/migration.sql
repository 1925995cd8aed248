-- Rate limits (issue 15, item 1): requests and tokens per minute for an org as a whole and, by default,
-- for each of its keys (org policy), and a key's own override, enforced by the data planes.
ALTER TABLE "org_policies" ADD COLUMN "org_rpm_limit" INTEGER;
ALTER TABLE "org_policies" ADD COLUMN "org_tpm_limit" INTEGER;
ALTER TABLE "org_policies" ADD COLUMN "key_rpm_limit" INTEGER;
ALTER TABLE "org_policies" ADD COLUMN "key_tpm_limit" INTEGER;
ALTER TABLE "api_keys" ADD COLUMN "rpm_limit" INTEGER;
ALTER TABLE "api_keys" ADD COLUMN "tpm_limit" INTEGER;

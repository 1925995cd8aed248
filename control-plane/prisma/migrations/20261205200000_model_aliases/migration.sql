-- Other ids that name a model (issue 14): OpenRouter's canonical id, the provider's own dated and
-- `-latest` names, an admin's. A request for any of them is served, metered and policy-checked as the model.

ALTER TABLE "models" ADD COLUMN "aliases" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[];

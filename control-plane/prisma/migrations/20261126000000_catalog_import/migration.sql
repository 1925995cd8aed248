-- The catalog is imported from maintained data (services/catalog-import/): what /models describes
-- about a model, where a row came from, and the price tiers and admin overrides of its endpoints.
ALTER TABLE "models"
    ADD COLUMN "description" TEXT,
    ADD COLUMN "max_output_tokens" INTEGER,
    ADD COLUMN "input_modalities" TEXT[] NOT NULL DEFAULT ARRAY['text']::TEXT[],
    ADD COLUMN "output_modalities" TEXT[] NOT NULL DEFAULT ARRAY['text']::TEXT[],
    ADD COLUMN "supports_tools" BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN "supports_reasoning" BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN "source" TEXT NOT NULL DEFAULT 'admin',
    ADD CONSTRAINT "models_source_check" CHECK ("source" IN ('admin', 'import'));

ALTER TABLE "model_endpoints"
    ADD COLUMN "price_tiers" JSONB,
    ADD COLUMN "price_overridden" BOOLEAN NOT NULL DEFAULT false;

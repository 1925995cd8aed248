-- Catalog weights (issue 15, item 4): a model's endpoints of equal priority share its requests in
-- proportion to their weights, drawn per request by each data plane; 0 = only after the others.
ALTER TABLE "model_endpoints" ADD COLUMN "weight" INTEGER NOT NULL DEFAULT 1;
ALTER TABLE "model_endpoints" ADD CONSTRAINT "model_endpoints_weight_check" CHECK ("weight" >= 0);

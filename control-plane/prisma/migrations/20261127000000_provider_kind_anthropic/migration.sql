-- Providers may speak Anthropic's Messages API natively (data-plane/src/providers/anthropic/).
ALTER TABLE "providers" DROP CONSTRAINT "providers_kind_check";
ALTER TABLE "providers" ADD CONSTRAINT "providers_kind_check" CHECK ("kind" IN ('openai-compatible', 'anthropic'));

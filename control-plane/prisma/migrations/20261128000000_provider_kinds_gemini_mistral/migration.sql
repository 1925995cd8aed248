-- Providers may speak Google's Gemini API and Mistral's API (chat and Codestral FIM) natively.
ALTER TABLE "providers" DROP CONSTRAINT "providers_kind_check";
ALTER TABLE "providers" ADD CONSTRAINT "providers_kind_check" CHECK ("kind" IN ('openai-compatible', 'anthropic', 'gemini', 'mistral'));

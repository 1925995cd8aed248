// The Gemini generateContent wire format (shared/reference/wire-formats.md §2.6). Request types are what
// the gateway builds; response types list only the fields it reads, every one optional and of unknown
// type until checked, because upstream bytes are read leniently.

export type GeminiPart =
  | { text: string }
  | { inlineData: { mimeType: string; data: string } }
  | { fileData: { fileUri: string; mimeType?: string } }
  | { functionCall: { name: string; args: unknown }; thoughtSignature?: string }
  | { functionResponse: { name: string; response: Record<string, unknown> } };

export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}

export interface GeminiFunctionDeclaration {
  name: string;
  description?: string;
  parametersJsonSchema?: unknown;
}

export interface GeminiFunctionCallingConfig {
  mode: 'AUTO' | 'ANY' | 'NONE';
  allowedFunctionNames?: string[];
}

export interface GeminiGenerationConfig {
  temperature?: number;
  topP?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  candidateCount?: number;
  seed?: number;
  presencePenalty?: number;
  frequencyPenalty?: number;
  responseMimeType?: string;
  responseJsonSchema?: unknown;
  thinkingConfig?: { thinkingBudget: number; includeThoughts?: boolean };
}

export interface GeminiRequest {
  contents: GeminiContent[];
  systemInstruction?: { parts: Array<{ text: string }> };
  tools?: Array<{ functionDeclarations: GeminiFunctionDeclaration[] }>;
  toolConfig?: { functionCallingConfig: GeminiFunctionCallingConfig };
  generationConfig?: GeminiGenerationConfig;
}

export interface GeminiUsageWire {
  promptTokenCount?: unknown;
  candidatesTokenCount?: unknown;
  thoughtsTokenCount?: unknown;
  cachedContentTokenCount?: unknown;
  toolUsePromptTokenCount?: unknown;
}

export interface GeminiPartWire {
  text?: unknown;
  thought?: unknown;
  functionCall?: { name?: unknown; args?: unknown; id?: unknown } | null;
  thoughtSignature?: unknown;
}

export interface GeminiCandidateWire {
  content?: { parts?: unknown } | null;
  finishReason?: unknown;
  index?: unknown;
}

/** A non-streamed response, and also each event of a stream. */
export interface GeminiResponseWire {
  candidates?: unknown;
  promptFeedback?: { blockReason?: unknown } | null;
  usageMetadata?: GeminiUsageWire | null;
  modelVersion?: unknown;
  responseId?: unknown;
  error?: GeminiErrorWire | null;
}

export interface GeminiErrorWire {
  code?: unknown;
  message?: unknown;
  status?: unknown;
  details?: unknown;
}

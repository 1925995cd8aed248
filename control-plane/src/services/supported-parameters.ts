// OpenRouter's `supported_parameters` for a model, derived from the capabilities the catalog records.

/** Request fields every chat model in the catalog honours. */
const STANDARD_PARAMETERS = ['max_tokens', 'temperature', 'top_p', 'stop', 'seed', 'response_format'];

export function supportedParameters(capabilities: { supportsTools: boolean; supportsReasoning: boolean }): string[] {
  return [
    ...STANDARD_PARAMETERS,
    ...(capabilities.supportsTools ? ['tools', 'tool_choice'] : []),
    ...(capabilities.supportsReasoning ? ['reasoning', 'include_reasoning'] : []),
  ];
}

// The client's OpenAI `tools` array, checked once for the adapters that rebuild it in their own shape
// (Anthropic's input_schema, Gemini's functionDeclarations).
import { GatewayError } from '../../../shared/src/errors.ts';
import { isRecord } from '../../../shared/src/json-object.ts';

export interface FunctionTool {
  name: string;
  description: string | null;
  /** The JSON schema of the arguments; null when the tool declares none. */
  parameters: Record<string, unknown> | null;
  /** The whole tool entry, for provider extras such as `cache_control`. */
  tool: Record<string, unknown>;
}

export function readFunctionTools(tools: unknown): FunctionTool[] {
  if (!Array.isArray(tools)) throw new GatewayError('invalid_request', "'tools' must be an array.", { param: 'tools' });
  return tools.map((tool, index) => {
    const fn = isRecord(tool) ? tool.function : undefined;
    if (!isRecord(tool) || tool.type !== 'function' || !isRecord(fn) || typeof fn.name !== 'string') {
      throw new GatewayError('invalid_request', 'Only function tools with a name are supported.', { param: `tools[${index}]` });
    }
    return {
      name: fn.name,
      description: typeof fn.description === 'string' ? fn.description : null,
      parameters: isRecord(fn.parameters) ? fn.parameters : null,
      tool,
    };
  });
}

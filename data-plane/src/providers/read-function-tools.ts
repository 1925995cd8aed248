// The client's OpenAI `tools` array and its assistant turns' tool-call arguments, checked once for the
// adapters that rebuild them in their own shape (Anthropic's input_schema and tool_use, Gemini's
// functionDeclarations and functionCall).
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

/** An assistant tool call's `arguments` JSON string as the object it encodes; empty or absent is `{}`. */
export function parseToolCallArguments(value: unknown, param: string): unknown {
  if (value === undefined || value === null || value === '') return {};
  if (typeof value !== 'string') throw new GatewayError('invalid_request', "Tool call 'arguments' must be a JSON string.", { param });
  try {
    return JSON.parse(value);
  } catch {
    throw new GatewayError('invalid_request', "Tool call 'arguments' must be valid JSON.", { param });
  }
}

// The function tool the cross-plane tests offer a model: as an OpenAI chat client declares it, and as
// the AI SDK's tool set, whose get_weather records each call and answers 21° in the city asked about.
import { tool } from 'ai';
import { z } from 'zod';

export const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

export function aiSdkWeatherTools(calls: Array<{ city: string }> = []) {
  return {
    get_weather: tool({
      description: 'Weather by city',
      inputSchema: z.object({ city: z.string() }),
      execute: async ({ city }) => {
        calls.push({ city });
        return { city, temperature: 21 };
      },
    }),
  };
}

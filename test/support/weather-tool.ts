// The function tool the cross-plane tests offer a model, as an OpenAI chat client declares it.
export const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } } } },
};

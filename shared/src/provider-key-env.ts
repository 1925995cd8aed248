// Which environment variables may hold a platform provider key (issue 13, defect 6): a provider record
// names one (apiKeyEnv), and a record that could name any variable would send the data plane's own
// secrets (DATA_PLANE_TOKEN, a database URL) to whatever base URL the record points at.
export const PROVIDER_KEY_ENV_PATTERN = /^[A-Z][A-Z0-9_]*_API_KEY$/;
export const PROVIDER_KEY_ENV_RULE = 'an environment variable named like OPENAI_API_KEY (ending in _API_KEY)';

// Yoga masks every unexpected error. GatewayErrors are expected: their message and code are shown
// (extensions.code = the gateway code), still without stack or cause.
import { createGraphQLError, maskError as defaultMaskError, type YogaServerOptions } from 'graphql-yoga';
import { GatewayError } from '../../../shared/src/errors.ts';

type MaskError = NonNullable<Exclude<YogaServerOptions<object, object>['maskedErrors'], boolean | undefined>['maskError']>;

interface ResolverError {
  originalError?: unknown;
  path?: readonly (string | number)[];
}

export const maskGatewayError: MaskError = (error, message, isDev) => {
  // Duck-typed rather than `instanceof GraphQLError`: graphql may be loaded twice (ESM and CJS builds).
  const { originalError, path } = (typeof error === 'object' && error !== null ? error : {}) as ResolverError;
  if (originalError instanceof GatewayError) {
    return createGraphQLError(originalError.message, {
      path,
      extensions: { code: originalError.code, param: originalError.param, http: { status: originalError.status } },
    });
  }
  return defaultMaskError(error, message, isDev);
};

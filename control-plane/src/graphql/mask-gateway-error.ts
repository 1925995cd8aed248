// Yoga masks every unexpected error. GatewayErrors are expected: their message and code are shown
// (extensions.code = the gateway code), still without stack or cause.
import { createGraphQLError, maskError as defaultMaskError, type YogaServerOptions } from 'graphql-yoga';
import { GraphQLError } from 'graphql';
import { GatewayError } from '../../../shared/src/errors.ts';

type MaskError = NonNullable<Exclude<YogaServerOptions<object, object>['maskedErrors'], boolean | undefined>['maskError']>;

export const maskGatewayError: MaskError = (error, message, isDev) => {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof GatewayError) {
    return createGraphQLError(original.message, {
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: { code: original.code, param: original.param, http: { status: original.status } },
    });
  }
  return defaultMaskError(error, message, isDev);
};

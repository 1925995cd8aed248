// Each executed GraphQL operation: its log line (who, what, how it ended) and its metrics
// (services/control-plane-metrics.ts). The operation is named by its first root field, which validation
// has checked against the schema, so a client cannot grow the metric labels with made-up operation names.
import { getOperationAST, Kind } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { recordOperation } from '../services/control-plane-metrics.ts';
import type { GraphQLContext } from './graphql-context.ts';

export function useOperationLog(): Plugin<GraphQLContext> {
  return {
    onExecute({ args }) {
      const startedAt = performance.now();
      const operation = getOperationAST(args.document, args.operationName);
      const root = operation?.selectionSet.selections.find((selection) => selection.kind === Kind.FIELD);
      const name = root?.kind === Kind.FIELD ? root.name.value : 'anonymous';
      const context = args.contextValue;
      return {
        onExecuteDone({ result }) {
          const errors = Symbol.asyncIterator in result ? undefined : result.errors;
          const code = errors?.[0]?.extensions?.code;
          const error = errors === undefined || errors.length === 0 ? null : typeof code === 'string' ? code : 'error';
          recordOperation(context.logger, context.metrics, {
            face: 'graphql',
            name,
            type: operation?.operation ?? 'query',
            actor: context.authentication,
            error,
            startedAt,
            traceparent: context.traceparent,
            attributes: null,
          });
        },
      };
    },
  };
}

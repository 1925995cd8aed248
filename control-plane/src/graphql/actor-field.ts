// Every query and mutation of the schema acts as the signed-in caller through one service function; this
// writes that field once: requireAdmin, the arguments with GraphQL's null for an omitted optional turned
// into undefined (what the services take), and the call.
import type { FieldNullability, InputFieldMap, InputShapeFromFields, ShapeFromTypeParam, TypeParam } from '@pothos/core';
import type { ServiceContext } from '../services/service-context.ts';
import { builder } from './builder.ts';
import { requireAdmin, type GraphQLContext } from './graphql-context.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

/** The arguments as a service takes them: an omitted optional argument is undefined, never null. */
export type ServiceInput<Args extends InputFieldMap> = { [K in keyof InputShapeFromFields<Args>]: Exclude<InputShapeFromFields<Args>[K], null> };

interface ActorField<Args extends InputFieldMap, Type extends TypeParam<Types>, Nullable extends FieldNullability<Type>> {
  type: Type;
  nullable?: Nullable;
  description?: string;
  args?: Args;
  call: (actor: ServiceContext, input: NoInfer<ServiceInput<Args>>, context: GraphQLContext) => Promise<ShapeFromTypeParam<Types, Type, Nullable>>;
}

/** A query or mutation field that calls one service as the signed-in caller. */
export function actorField<Type extends TypeParam<Types>, Args extends InputFieldMap = Record<never, never>, Nullable extends FieldNullability<Type> = false>(
  kind: 'query' | 'mutation',
  name: string,
  field: ActorField<Args, Type, Nullable>,
): void {
  const add = kind === 'query' ? builder.queryField.bind(builder) : builder.mutationField.bind(builder);
  add(name, (t) =>
    t.field({
      type: field.type,
      nullable: field.nullable,
      description: field.description,
      args: field.args ?? {},
      // The call's types above are checked against the field's; Pothos cannot follow them through the
      // generic parameters here.
      resolve: ((_root: unknown, args: Record<string, unknown>, context: GraphQLContext) =>
        field.call(requireAdmin(context), withoutNulls(args) as ServiceInput<Args>, context)) as never,
    }),
  );
}

function withoutNulls(args: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(args)) if (value !== null) input[name] = value;
  return input;
}

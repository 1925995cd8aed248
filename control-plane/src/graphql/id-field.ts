// Most of the schema's fields take one id, the org's or a thing's, and hand it with the signed-in actor to
// one service function; this writes that field once instead of in every schema file.
import type { FieldNullability, ShapeFromTypeParam, TypeParam } from '@pothos/core';
import type { ServiceContext } from '../services/service-context.ts';
import { builder } from './builder.ts';
import { requireAdmin, type GraphQLContext } from './graphql-context.ts';

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

interface IdField<Key extends 'id' | 'orgId', Type extends TypeParam<Types>, Nullable extends FieldNullability<Type>> {
  type: Type;
  nullable?: Nullable;
  description?: string;
  /** The one argument: `orgId` for an org's things, `id` for one thing. */
  argument: Key;
  call: (actor: ServiceContext, input: Record<Key, string>, context: GraphQLContext) => Promise<ShapeFromTypeParam<Types, Type, Nullable>>;
}

/** A query (`kind: 'query'`) or mutation field of one required ID argument. */
export function idField<Key extends 'id' | 'orgId', Type extends TypeParam<Types>, Nullable extends FieldNullability<Type> = false>(
  kind: 'query' | 'mutation',
  name: string,
  field: IdField<Key, Type, Nullable>,
): void {
  const add = kind === 'query' ? builder.queryField.bind(builder) : builder.mutationField.bind(builder);
  add(name, (t) =>
    t.field({
      type: field.type,
      nullable: field.nullable,
      description: field.description,
      args: { [field.argument]: t.arg.id({ required: true }) },
      // The call's type above is checked against the field's type; Pothos cannot follow that through
      // the generic parameters here.
      resolve: ((_root: unknown, args: Record<string, unknown>, context: GraphQLContext) =>
        field.call(requireAdmin(context), { [field.argument]: String(args[field.argument]) } as Record<Key, string>, context)) as never,
    }),
  );
}

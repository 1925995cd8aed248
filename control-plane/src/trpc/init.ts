// initTRPC is called once, here. Base procedures are named after who may call them:
//   publicProcedure     anyone
//   adminProcedure      Authorization: Bearer <admin token | admin JWT>, or the session cookie (with
//                       X-CSRF-Token on mutations)  → ctx.service acts as that user
//   dataPlaneProcedure  Authorization: Bearer <data-plane token>
import { initTRPC, TRPCError } from '@trpc/server';
import { GatewayError } from '../../../shared/src/errors.ts';
import type { Context } from '../context.ts';
import { authenticateDataPlaneToken, authenticateUser, bearerToken } from '../services/authenticate.ts';
import { recordOperation } from '../services/control-plane-metrics.ts';
import type { Actor, ServiceContext } from '../services/service-context.ts';
import { gatewayErrorToTrpcCode } from './gateway-error-to-trpc.ts';

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    const gatewayError = error.cause instanceof GatewayError ? error.cause : null;
    // Unexpected failures say nothing about their cause; expected ones keep their message.
    const message = error.code === 'INTERNAL_SERVER_ERROR' && !gatewayError ? 'Internal server error' : shape.message;
    const { stack: _stack, ...data } = shape.data;
    return {
      ...shape,
      message,
      data: {
        ...data,
        httpStatus: gatewayError?.status ?? data.httpStatus,
        gatewayCode: gatewayError?.code ?? null,
        param: gatewayError?.param ?? null,
      },
    };
  },
  sse: {
    // Pings keep proxies from closing an idle snapshot stream and let clients notice a dead one.
    ping: { enabled: true, intervalMs: 10_000 },
    client: { reconnectAfterInactivityMs: 25_000 },
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Services throw GatewayError; callers see the matching tRPC code with the GatewayError as cause. */
const gatewayErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof GatewayError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: gatewayErrorToTrpcCode(cause.code), message: cause.message, cause });
  }
  return result;
});

function serviceContext(ctx: Context, actor: Actor): ServiceContext {
  return {
    prisma: ctx.prisma,
    actor,
    snapshotChanged: (cause) => ctx.publisher.changed(cause),
    allowPrivateUpstreams: ctx.allowPrivateUpstreams,
    orgCreation: ctx.orgCreation,
  };
}

/** Each call's log line and metrics: the operation, who (found by the procedures below), and how it ended. */
const observed = t.middleware(async ({ ctx, path, type, next }) => {
  const startedAt = performance.now();
  const result = await next();
  recordOperation(ctx.logger, ctx.metrics, {
    face: 'trpc',
    name: path,
    type,
    actor: ctx.observed.actor,
    error: result.ok ? null : result.error.code,
    startedAt,
    traceparent: ctx.traceparent,
    attributes: ctx.observed.spanAttributes,
  });
  return result;
});

export const publicProcedure = t.procedure.use(observed).use(gatewayErrors);

export const adminProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const actor = await authenticateUser(ctx.prisma, ctx.adminJwt, ctx);
  if (!actor) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'a valid admin token, admin JWT or session is required' });
  ctx.observed.actor = actor;
  return next({ ctx: { actor, service: serviceContext(ctx, actor) } });
});

export const dataPlaneProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const actor = await authenticateDataPlaneToken(ctx.prisma, bearerToken(ctx.authorization));
  if (!actor) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'a valid data-plane token is required' });
  ctx.observed.actor = actor;
  return next({ ctx: { actor, service: serviceContext(ctx, actor) } });
});

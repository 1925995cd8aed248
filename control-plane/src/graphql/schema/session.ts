import { listSessions, revokeAllSessions, revokeSession, type SessionView } from '../../services/identity/sessions.ts';
import { builder } from '../builder.ts';
import { actorField } from '../actor-field.ts';

const SessionType = builder.objectRef<SessionView>('Session').implement({
  description: 'A browser sign-in of the caller.',
  fields: (t) => ({
    id: t.exposeID('id'),
    userAgent: t.exposeString('userAgent', { nullable: true }),
    client: t.exposeString('client', { nullable: true, description: 'The address it signed in from.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    lastSeenAt: t.expose('lastSeenAt', { type: 'DateTime' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
    current: t.exposeBoolean('current', { description: 'The session this request came with.' }),
  }),
});

const RevokedSessionsType = builder.objectRef<{ revoked: number }>('RevokedSessions').implement({
  fields: (t) => ({ revoked: t.expose('revoked', { type: 'Count' }) }),
});

actorField('query', 'sessions', { type: [SessionType], description: "The caller's live browser sessions.", call: listSessions });

actorField('mutation', 'revokeSession', {
  type: SessionType,
  args: builder.args((t) => ({ id: t.id({ required: true }) })),
  call: revokeSession,
});

actorField('mutation', 'revokeAllSessions', {
  type: RevokedSessionsType,
  description: 'Sign out everywhere: ends every session of the caller, this one included.',
  call: revokeAllSessions,
});

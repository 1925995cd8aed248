// Importing each type file registers it on the builder; then the schema is built once.
import { builder } from '../builder.ts';
import './organization.ts';
import './member.ts';
import './user.ts';
import './api-key.ts';
import './byok.ts';
import './org-policy.ts';
import './audit-log.ts';
import './billing.ts';
import './budget-alerts.ts';
import './admin-token.ts';
import './session.ts';
import './account.ts';
import './invitation.ts';
import './sso.ts';
import './model.ts';

export const schema = builder.toSchema();

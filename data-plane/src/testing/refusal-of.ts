// What a client would get from a call that must refuse: the HTTP status and the OpenAI envelope's error
// fields (message, type, code, param). Anything but a GatewayError, or no error at all, fails the test.
import { GatewayError, type ErrorEnvelope } from '../../../shared/src/errors.ts';

export function refusalOf(run: () => unknown): { status: number } & ErrorEnvelope['error'] {
  try {
    run();
  } catch (error) {
    if (error instanceof GatewayError) return { status: error.status, ...error.toEnvelope().error };
    throw error;
  }
  throw new Error('expected a refusal (GatewayError), but the call returned');
}

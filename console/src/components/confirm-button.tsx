// A destructive action asks for a second click: "Revoke" turns into "Revoke now" and "Cancel", each
// labelled with what it acts on so a screen reader (and a test) can tell the rows' buttons apart.
import { useState } from 'react';
import { ErrorNote } from './status.tsx';

interface ConfirmButtonProps {
  /** The verb on the button, e.g. "Revoke". */
  action: string;
  /** The verb in the confirmation's label, e.g. "revoking". */
  doing: string;
  /** What it acts on, e.g. the key's name. */
  subject: string;
  onConfirm: () => void;
  pending: boolean;
  error: unknown;
}

export function ConfirmButton({ action, doing, subject, onConfirm, pending, error }: ConfirmButtonProps) {
  const [confirming, setConfirming] = useState(false);
  return (
    <span className="confirm">
      {confirming ? (
        <>
          <button type="button" className="danger" onClick={onConfirm} disabled={pending} aria-label={`Confirm ${doing} ${subject}`}>
            {action} now
          </button>
          <button type="button" className="secondary" onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </>
      ) : (
        <button type="button" className="secondary" onClick={() => setConfirming(true)} aria-label={`${action} ${subject}`}>
          {action}
        </button>
      )}
      <ErrorNote error={error} />
    </span>
  );
}

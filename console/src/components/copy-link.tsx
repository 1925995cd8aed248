// A secret or one-time link shown once, with a button that copies it.
import { useState } from 'react';

export function CopyableSecret({ value, testId }: { value: string; testId?: string }) {
  const [copied, setCopied] = useState<'no' | 'yes' | 'failed'>('no');
  return (
    <div className="secret-row">
      <code data-testid={testId}>{value}</code>
      <button
        type="button"
        onClick={() =>
          navigator.clipboard.writeText(value).then(
            () => setCopied('yes'),
            () => setCopied('failed'),
          )
        }
      >
        Copy
      </button>
      <span role="status">{copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Copying failed: select the text and copy it' : ''}</span>
    </div>
  );
}

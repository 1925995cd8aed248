// The console's forms: a titled panel of fields and one submit button. A failed submit shows its error
// beside the field the server (or the page's own check) blames, and above the button when it blames none of
// the form's fields.
import { useId, type ReactNode } from 'react';
import { describeError } from '../trpc.ts';

export interface FormFailure {
  /** The message for this field (a field named `scopes` also takes `scopes.models`), or null. */
  blame: (field: string) => string | null;
  /** The message when it blames none of the form's fields, or null. */
  general: string | null;
}

export function formFailure(error: unknown, fields: readonly string[]): FormFailure {
  if (!error) return { blame: () => null, general: null };
  const { message, param } = describeError(error);
  const blamed = fields.find((field) => param === field || param?.startsWith(`${field}.`));
  return { blame: (field) => (field === blamed ? message : null), general: blamed === undefined ? message : null };
}

export function FormError({ failure }: { failure: FormFailure }) {
  if (!failure.general) return null;
  return (
    <p className="error" role="alert">
      {failure.general}
    </p>
  );
}

interface FormPanelProps {
  title: string;
  /** What the submit runs. */
  mutation: { mutate: () => unknown; isPending: boolean };
  failure: FormFailure;
  /** The button's text, and its text while the submit runs (e.g. ['Invite', 'Inviting…']). */
  button: readonly [string, string];
  /** The fields. */
  children: ReactNode;
  /** A Cancel button beside the submit, for a form opened from a list. */
  onCancel?: () => void;
  /** What a successful submit says beside the button (announced), e.g. "Added". */
  done?: string | null;
  /** What the form shows after the button (a one-time secret). */
  after?: ReactNode;
}

/** A form in a panel whose submit stays in the page: `onSubmit` runs instead of a navigation. */
function PanelForm({ label, labelledBy, onSubmit, children }: { label?: string; labelledBy?: string; onSubmit: () => void; children: ReactNode }) {
  return (
    <form
      className="panel"
      aria-label={label}
      aria-labelledby={labelledBy}
      onSubmit={(event) => {
        event.preventDefault();
        onSubmit();
      }}
    >
      {children}
    </form>
  );
}

/** A list's filters: the fields in a grid and an "Apply filters" button, which hands them to onApply. */
export function FilterForm({ label, onApply, children }: { label: string; onApply: () => void; children: ReactNode }) {
  return (
    <PanelForm label={label} onSubmit={onApply}>
      <div className="grid-fields">{children}</div>
      <button type="submit">Apply filters</button>
    </PanelForm>
  );
}

export function FormPanel({ title, mutation, failure, button, children, onCancel, done, after }: FormPanelProps) {
  const titleId = useId();
  return (
    <PanelForm labelledBy={titleId} onSubmit={() => mutation.mutate()}>
      <h2 id={titleId}>{title}</h2>
      <div className="grid-fields">{children}</div>
      <FormError failure={failure} />
      <button type="submit" disabled={mutation.isPending}>
        {mutation.isPending ? button[1] : button[0]}
      </button>
      {onCancel ? (
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      ) : null}
      {done === undefined ? null : <span role="status">{done ? ` ${done}` : ''}</span>}
      {after}
    </PanelForm>
  );
}

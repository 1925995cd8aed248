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
  /** What the form shows after the button (a status, a one-time secret). */
  after?: ReactNode;
}

export function FormPanel({ title, mutation, failure, button, children, after }: FormPanelProps) {
  const titleId = useId();
  return (
    <form
      className="panel"
      aria-labelledby={titleId}
      onSubmit={(event) => {
        event.preventDefault();
        mutation.mutate();
      }}
    >
      <h2 id={titleId}>{title}</h2>
      <div className="grid-fields">{children}</div>
      <FormError failure={failure} />
      <button type="submit" disabled={mutation.isPending}>
        {mutation.isPending ? button[1] : button[0]}
      </button>
      {after}
    </form>
  );
}

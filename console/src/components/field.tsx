// Labelled inputs: the label tied to the control, a hint, and the error when the server blames this input (the
// error's `param`) shown beneath it and tied to it with aria-describedby.
import { useId, type InputHTMLAttributes, type ReactNode, type SelectHTMLAttributes } from 'react';

interface FrameProps {
  label: string;
  hint?: string;
  error?: string | null;
  className?: string;
}

/** The label, hint and error around one control, which gets the id and aria attributes to wire them. */
function FieldFrame({ label, hint, error, className, control }: FrameProps & { control: (aria: ControlAria) => ReactNode }) {
  const id = useId();
  const describedBy = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={className ? `field ${className}` : 'field'}>
      <label htmlFor={id}>{label}</label>
      {control({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {hint ? (
        <small id={`${id}-hint`} className="muted">
          {hint}
        </small>
      ) : null}
      {error ? (
        <small id={`${id}-error`} className="error" role="alert">
          {error}
        </small>
      ) : null}
    </div>
  );
}

interface ControlAria {
  id: string;
  'aria-invalid': true | undefined;
  'aria-describedby': string | undefined;
}

export function Field({ label, hint, error, className, ...input }: FrameProps & InputHTMLAttributes<HTMLInputElement>) {
  return <FieldFrame label={label} hint={hint} error={error} className={className} control={(aria) => <input {...aria} {...input} />} />;
}

export interface Choice {
  value: string;
  label: string;
}

/** A select; a plain string choice is both the value and the label. */
export function SelectField({
  label,
  hint,
  error,
  className,
  choices,
  ...select
}: FrameProps & SelectHTMLAttributes<HTMLSelectElement> & { choices: readonly (string | Choice)[] }) {
  return (
    <FieldFrame
      label={label}
      hint={hint}
      error={error}
      className={className}
      control={(aria) => (
        <select {...aria} {...select}>
          {choices.map((choice) => {
            const { value, label: text } = typeof choice === 'string' ? { value: choice, label: choice } : choice;
            return (
              <option key={value} value={value}>
                {text}
              </option>
            );
          })}
        </select>
      )}
    />
  );
}

/** A checkbox with its label beside it. */
export function Check({ label, checked, onChange }: { label: string; checked: boolean; onChange: (checked: boolean) => void }) {
  return (
    <label className="check">
      <input type="checkbox" checked={checked} onChange={(event) => onChange(event.target.checked)} />
      {label}
    </label>
  );
}

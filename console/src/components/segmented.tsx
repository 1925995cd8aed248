// A small set of exclusive choices shown at once (the overview's metric, grouping and period): radio
// buttons in a titled fieldset, so arrow keys move between them and a screen reader names the group.
interface SegmentedProps<Id extends string> {
  legend: string;
  /** The radio group's name. */
  name: string;
  /** Each choice's id and what it says, in order (a subset of the ids: the ones this reader may choose). */
  choices: Readonly<Partial<Record<Id, string>>>;
  value: Id;
  onChange: (id: Id) => void;
}

export function Segmented<Id extends string>({ legend, name, choices, value, onChange }: SegmentedProps<Id>) {
  return (
    <fieldset className="segmented">
      <legend>{legend}</legend>
      {(Object.keys(choices) as Id[]).map((id) => (
        <label key={id}>
          <input type="radio" name={name} value={id} checked={value === id} onChange={() => onChange(id)} />
          {choices[id]}
        </label>
      ))}
    </fieldset>
  );
}

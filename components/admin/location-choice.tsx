import type { ControlProps } from "./form-field";

export interface LocationChoice {
  id: string;
  name: string;
  active: boolean;
}

/**
 * A select of the shop's locations, in priority order; an inactive one says so (it takes no stock, but units
 * can still be written off or moved out of it). Keyed by its default: a form reset restores a select's first default.
 */
export function LocationSelect({
  props,
  locations,
  chosen,
  inactiveNote = "inactive",
}: {
  props: ControlProps;
  locations: readonly LocationChoice[];
  chosen: string;
  inactiveNote?: string;
}) {
  const { defaultValue, ...rest } = props;
  const value = defaultValue ?? chosen;
  return (
    <select key={value} {...rest} className="select" defaultValue={value} required>
      {locations.map((l) => (
        <option key={l.id} value={l.id}>
          {l.active ? l.name : `${l.name} (${inactiveNote})`}
        </option>
      ))}
    </select>
  );
}

import { AddLocationForm, EditLocationForm } from "@/components/admin/location-forms";
import { LocationActionButton } from "@/components/admin/location-action-button";
import { adminKeys } from "@/components/admin/queries";
import "@/components/admin/location-pages.css";
import { Badge } from "@/components/ui/badge";
import { requireAdminPage } from "@/lib/admin/access";
import { listLocations } from "@/lib/inventory";
import { listVariantLevels } from "@/lib/inventory/levels";
import { addLocationAction, editLocationAction, setLocationActiveAction } from "./actions";

/** "12 units on hand · 2 held in checkouts · 1 sold, to ship"; at an inactive location its holds stay valid. */
function keptText(sum: { onHand: number; reserved: number; allocated: number } = { onHand: 0, reserved: 0, allocated: 0 }, active: boolean): string {
  const held = active ? `${sum.reserved} held in checkouts` : `${sum.reserved} still held in checkouts (those holds stay valid)`;
  return `${sum.onHand} units on hand · ${held} · ${sum.allocated} sold, to ship`;
}

/**
 * Where the shop keeps stock, in the order holds draw on it: add a location, rename it, change its priority,
 * deactivate it (new holds stop there; live ones stay valid) or activate it again.
 */
export default async function LocationsPage() {
  await requireAdminPage("/admin/locations");
  const [locations, variants] = await Promise.all([listLocations(), listVariantLevels()]);
  // What each location keeps, summed over every variant's stock row there (one row per variant and location).
  const kept = new Map<string, { onHand: number; reserved: number; allocated: number }>();
  for (const level of variants.flatMap((v) => v.locations)) {
    const sum = kept.get(level.locationId) ?? { onHand: 0, reserved: 0, allocated: 0 };
    sum.onHand += level.onHand;
    sum.reserved += level.reserved;
    sum.allocated += level.allocated;
    kept.set(level.locationId, sum);
  }
  // Where a restock goes when none is chosen: the first active location by priority.
  const restockTo = locations.find((l) => l.active)?.id;
  const activeCount = locations.filter((l) => l.active).length;
  // Holds draw on active locations only: their place in that order.
  const rank = new Map(locations.filter((l) => l.active).map((l, i) => [l.id, i + 1]));
  return (
    <>
      <h1>Locations</h1>
      <p className="muted">
        A checkout holds each line from the active locations in priority order, lowest number first, and splits a line
        over the next ones when a location is short. Restocks go to the first active location unless another is chosen.
        Deactivating a location stops new holds there at once; holds already made there stay valid, and their orders
        ship from it.
      </p>
      <AddLocationForm action={addLocationAction} />
      <h2 id="locations-title">In priority order</h2>
      <ol className="location-list" aria-labelledby="locations-title">
        {locations.map((location) => {
          const lastActive = location.active && activeCount === 1;
          return (
            <li key={location.id} className={location.active ? "card location-card" : "card location-card is-inactive"} aria-label={location.name}>
              <div className="location-card-head">
                <h3>
                  {location.active ? <span className="location-rank">{rank.get(location.id)}. </span> : null}
                  {location.name}
                </h3>
                {location.active ? <Badge tone="success">Active</Badge> : <Badge tone="neutral">Inactive: no new holds</Badge>}
                {location.id === restockTo ? <Badge tone="info">Restocks go here</Badge> : null}
              </div>
              <p className="small muted location-kept">
                {keptText(kept.get(location.id), location.active)}
              </p>
              <EditLocationForm action={editLocationAction} location={location} />
              <div className="location-card-head">
                {lastActive ? (
                  <p className="small muted">The only active location: activate another before deactivating it.</p>
                ) : (
                  <LocationActionButton
                    action={setLocationActiveAction}
                    fields={{ locationId: location.id, active: location.active ? "false" : "true" }}
                    label={location.active ? "Deactivate" : "Activate"}
                    confirm={
                      location.active
                        ? {
                            question: `Deactivate ${location.name}? New holds stop drawing on it; holds already made there stay valid.`,
                            yes: "Yes, deactivate",
                          }
                        : undefined
                    }
                    refresh={[adminKeys.stock()]}
                  />
                )}
              </div>
            </li>
          );
        })}
      </ol>
    </>
  );
}

import { AddLocationForm, EditLocationForm } from "@/components/admin/location-forms";
import { LocationActionButton } from "@/components/admin/location-action-button";
import { adminKeys } from "@/components/admin/queries";
import "@/components/admin/location-pages.css";
import { Badge } from "@/components/ui/badge";
import { requireAdminPage } from "@/lib/admin/access";
import { listLocations } from "@/lib/inventory";
import { addLocationAction, editLocationAction, setLocationActiveAction } from "./actions";

/**
 * Where the shop keeps stock, in the order holds draw on it: add a location, rename it, change its priority,
 * deactivate it (new holds stop there; live ones stay valid) or activate it again.
 */
export default async function LocationsPage() {
  await requireAdminPage("/admin/locations");
  const locations = await listLocations();
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

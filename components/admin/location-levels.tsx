import { Badge } from "@/components/ui/badge";
import type { LocationLevelView } from "@/lib/inventory/levels";
import "./location-pages.css";

/**
 * Each variant's levels at each location, in the order holds draw on them: on hand, reserved (held in
 * checkouts), allocated (sold, not yet shipped) and available (free, and only at an active location).
 * On a phone each location is a small card.
 */
export function StockByLocation({ variants }: { variants: { id: string; label: string; locations: LocationLevelView[] }[] }) {
  return (
    <div className="stock-locations-list">
      {variants.map((v) => (
        <div key={v.id} className="admin-scroll">
          <table className="table admin-table stock-locations">
            <caption>{v.label}</caption>
            <thead>
              <tr>
                <th scope="col">Location</th>
                <th scope="col" className="num">On hand</th>
                <th scope="col" className="num">Reserved</th>
                <th scope="col" className="num">Allocated</th>
                <th scope="col" className="num">Available</th>
              </tr>
            </thead>
            <tbody>
              {v.locations.map((l) => (
                <tr key={l.locationId}>
                  <th scope="row">
                    {l.name}
                    {l.active ? null : (
                      <>
                        {" "}
                        <Badge tone="neutral">Inactive</Badge>
                      </>
                    )}
                  </th>
                  <td className="num" data-label="On hand">{l.onHand}</td>
                  <td className="num" data-label="Reserved">{l.reserved}</td>
                  <td className="num" data-label="Allocated">{l.allocated}</td>
                  <td className="num" data-label="Available">{l.available}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </div>
  );
}

/**
 * An embedded PostgreSQL for a test run on a port nobody else holds. `freePort()` closes the port it found before
 * PostgreSQL binds it, so another run's app or database can take it in between (several runs share this
 * machine): a start that lost its port is tried again on another.
 */
import { freePort, startEmbeddedPostgres, type EmbeddedDatabase, type EmbeddedOptions } from "../../db/embedded";

export async function startEmbeddedPostgresOnFreePort(
  options: Omit<EmbeddedOptions, "port">,
  /** Ports PostgreSQL must not take, e.g. the one the app under test is about to bind. */
  avoid: number[] = [],
): Promise<EmbeddedDatabase> {
  for (let attempt = 1; ; attempt += 1) {
    let port = await freePort();
    while (avoid.includes(port)) port = await freePort();
    try {
      return await startEmbeddedPostgres({ ...options, port });
    } catch (error) {
      // PostgreSQL says "could not bind IPv4 address … Address already in use" and exits.
      if (attempt >= 5 || !/address already in use/i.test(String(error))) throw error;
    }
  }
}

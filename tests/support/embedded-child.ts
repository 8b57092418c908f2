/** Started by embedded-recovery.test.ts: runs an embedded PostgreSQL until it is killed. */
import { startEmbeddedPostgres } from "../../db/embedded";

async function main() {
  const [dataDir, port] = process.argv.slice(2);
  await startEmbeddedPostgres({ dataDir: dataDir!, port: Number(port) });
  console.log("READY");
  setInterval(() => {}, 60_000);
}

void main();

/**
 * db/run.ts (`npm run dev` / `npm start`) names itself in STOCKHOLD_SUPERVISOR_PID. If it is killed outright
 * (SIGKILL), nothing stops the Next.js server it started; that server would keep the port and point at a
 * database that is gone. The server follows its supervisor instead (called from instrumentation.ts).
 */
export function exitWithSupervisor(): void {
  const supervisor = Number(process.env.STOCKHOLD_SUPERVISOR_PID);
  if (!Number.isInteger(supervisor) || supervisor <= 0) return;
  setInterval(() => {
    try {
      process.kill(supervisor, 0);
    } catch {
      console.log("The npm run dev / npm start process is gone: stopping this server too.");
      process.exit(1);
    }
  }, 1000).unref();
}

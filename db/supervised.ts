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

/**
 * A server whose log reader has gone (its stdout or stderr pipe closed) gets EPIPE on every line it writes; Node
 * then reports the failed write as an error, which is logged, which fails again: a loop that burns a core. Such
 * a server has lost whoever ran it; it stops instead.
 */
export function exitWhenOutputCloses(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(1);
    });
  }
}

// The service manager as a port (systemd's notification socket, man sd_notify): what each runtime offers the daemon.
// The messages themselves are built by src/service-manager.ts.

/** Present in the ports only when the service manager gave the process a socket ($NOTIFY_SOCKET). */
export interface ServiceManagerPort {
  /** Sends one message (newline-separated VAR=VALUE lines); never throws: the adapter logs a failure. */
  notify(message: string): void;
  /** $WATCHDOG_USEC and $WATCHDOG_PID as the environment has them, and this process's PID. */
  watchdog: { usec?: string; pid?: string; ownPid: number };
}

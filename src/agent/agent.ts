// The composition root of the core: one agent = configuration + device ports + DM tree + session engine +
// report sources (FUMO, SCOMO). The command line and the daemon drive it; it never touches a runtime itself.
import type { AgentConfig } from '../config.js';
import type { RuntimePorts } from '../ports/runtime.js';
import type { GenericAlert } from '../dm/generic-alert.js';
import { DmSession, SessionError, type AlertOutcome, type SessionOutcome } from '../dm/session.js';
import { ClientAuthenticator } from '../dm/client-auth.js';
import { ServerAuthenticator } from '../dm/server-auth.js';
import { CommandExecutor, type ManagementTree, type UiAlertHandler } from '../dm/executor.js';
import { isAcknowledgement, type ReportSource } from '../dm/report-source.js';

import { backoffDelay } from '../backoff.js';
import type { LastSession } from './last-session.js';
import type { StatusSummary } from './status-summary.js';
import type { AuthType } from '../dm/auth.js';

export interface AuthSettings {
  type: AuthType;
  name: string;
  secret: string;
}

export interface AgentParts {
  tree: ManagementTree;
  ui: UiAlertHandler;
  /** DevInfo leaves for package 1, read live. */
  devInfo(): Promise<Array<[string, string]>>;
  devId(): Promise<string>;
  nonces: {
    clientNonce(): Uint8Array;
    setClientNonce(n: Uint8Array): Promise<void>;
    serverNonce(): Uint8Array;
    setServerNonce(n: Uint8Array): Promise<void>;
  };
  reports: ReportSource[];
  /** Client and server credentials for the next session, from DMAcc (docs/protocol.md §3.4). */
  credentials(): Promise<{ client: AuthSettings; server: AuthSettings }>;
  /** `./SCOMO/Inventory/Deployed/<x>` of a component named by ID or name (seed 003 X.1.3); throws when unknown. */
  deployedComponentUri(idOrName: string): Promise<string>;
  /** One line per fact for `dm-agent status`, and the same as data. */
  status(): Promise<{ lines: string[]; data: Record<string, unknown> }>;
  /** Keeps the outcome of the last client-initiated request (202: "accepted, the server will come back"). */
  recordRequest(rec: { at: number; type: string; source?: string; status?: number; sessionId: string }): Promise<void>;
  /** Keeps the outcome of the session that just ended, for `status` (src/agent/last-session.ts). */
  recordSession(rec: LastSession): Promise<void>;
  /** The operator's summary for `status` (src/agent/status-summary.ts). */
  summary(): Promise<StatusSummary>;
  /** Releases what the parts hold (locks, timers). */
  close(): Promise<void>;
  /** Persists the tree and other state after a session. */
  save(): Promise<void>;
  /** Next client session id (unique per client, docs/protocol.md §1.3). */
  nextSessionId(): Promise<string>;
}

export interface RequestResult {
  /** The server's status for the request alert. */
  status?: number;
  outcome: SessionOutcome;
  /** What ran after the session (downloads, installs) and any follow-up report session. */
  jobs: string[];
}

export class Agent {
  constructor(
    readonly config: AgentConfig,
    readonly ports: RuntimePorts,
    readonly parts: AgentParts,
    private readonly options: { encoding?: 'wbxml' | 'xml' } = {},
  ) {}

  /**
   * One client-initiated session carrying `alerts` (first) plus every pending result report, then the jobs the
   * server started, then, when those produced reports, one more session to deliver them (docs/protocol.md §5.3 step 4).
   */
  async request(alert: GenericAlert, opts: { retry: boolean }): Promise<{ status?: number; outcome: SessionOutcome; jobs: string[] }> {
    const attempts = opts.retry ? this.config.request.retries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      let retryReason: string;
      try {
        const outcome = await this.session('client', [alert]);
        const status = outcome.alerts[0].status;
        const jobs = await this.afterSession();
        await this.parts.recordRequest({ at: this.ports.clock.now(), type: alert.type, source: alert.sourceUri, status, sessionId: outcome.sessionId });
        // A server-side failure (5xx) or "retry later" (417) is worth another try; a 4xx refusal is final.
        if (status === undefined || !(status >= 500 || status === 417) || attempt >= attempts) return { status, outcome, jobs };
        retryReason = `server answered ${status}`;
      } catch (e) {
        // Once the server has answered the request it may already have started work: never send it again;
        // run what it accepted instead (a retry would repeat the operation).
        const answered = e instanceof SessionError && e.outcome && e.outcome.alerts && e.outcome.alerts[0] && e.outcome.alerts[0].status !== undefined;
        if (answered) {
          await this.afterSession().catch(() => []);
          throw e;
        }
        // A refused server certificate ('tls-certificate') fails the same way every time: no retry, exit 4 at once.
        const retryable = e instanceof SessionError && (e.kind === 'transport' || e.kind === 'http');
        if (!retryable || attempt >= attempts) throw e;
        retryReason = (e as Error).message;
      }
      const delay = backoffDelay({ baseMs: this.config.request.retryBaseMs, maxMs: this.config.request.retryMaxMs }, attempt, this.ports.random);
      this.ports.log.log('warn', `request failed (${retryReason}); retry ${attempt}/${attempts - 1} in ${delay} ms`);
      await this.ports.clock.sleep(delay);
    }
  }

  /** A plain client-initiated (or server-initiated) session: delivers pending reports, answers the server. */
  async session(initiator: 'client' | 'server', alerts: GenericAlert[] = [], sessionId?: string): Promise<SessionOutcome> {
    const pending: GenericAlert[] = [];
    for (const source of this.parts.reports) {
      for (const r of await source.pendingReports()) pending.push({ ...r, ref: `${source.name}:${r.ref}` });
    }
    const all = alerts.concat(pending);
    const c = this.config.server;
    const random = this.ports.random;
    const creds = await this.parts.credentials();
    // Our MaxObjSize is what we announce (server.maxObjSize) and what the executor enforces (413 beyond it).
    const executor = new CommandExecutor(this.parts.tree, this.parts.ui, c.maxObjSize);
    const devId = await this.parts.devId();
    const id = sessionId || (await this.parts.nextSessionId());
    const session = new DmSession(
      {
        serverUrl: c.url,
        serverId: c.id,
        devId,
        encoding: this.options.encoding || c.encoding,
        maxMsgSize: c.maxMsgSize,
        maxResponseBytes: c.maxResponseBytes,
        maxObjSize: c.maxObjSize,
        maxMessages: c.maxMessages,
        timeoutMs: c.timeoutMs,
        respUriHosts: c.respUriHosts,
      },
      {
        transport: this.ports.transport,
        clock: this.ports.clock,
        log: this.ports.log,
        executor,
        clientAuth: new ClientAuthenticator(creds.client, this.parts.nonces),
        serverAuth: new ServerAuthenticator(creds.server, this.parts.nonces, () => random.bytes(16)),
        devInfo: () => this.parts.devInfo(),
      },
      { initiator, sessionId: id, alerts: all },
    );
    const record = async (r: Pick<LastSession, 'outcome' | 'end' | 'error'>): Promise<void> => {
      const rec: LastSession = { at: new Date(this.ports.clock.now()).toISOString(), server: c.url, serverId: c.id, initiator, sessionId: id, ...r };
      // The record serves `status` only: a state directory that cannot take it must not turn the session into a failure.
      await this.parts.recordSession(rec).catch((e) => this.ports.log.log('warn', `last session not recorded: ${(e as Error).message}`));
    };
    let outcome: SessionOutcome;
    try {
      outcome = await session.run();
    } catch (e) {
      await record({ outcome: 'failed', error: (e as Error).message });
      // A session that broke later still delivered what an authenticated server acknowledged before (the session
      // records alert statuses only from authenticated messages): drop those, so they are not sent twice.
      if (e instanceof SessionError && e.outcome && e.outcome.alerts) await this.acknowledge(e.outcome.alerts);
      throw e;
    } finally {
      // Kept-alive connections serve one session only: the next one (maybe minutes later) opens its own.
      if (this.ports.transport.endSession) this.ports.transport.endSession();
      // A large object still arriving when the session ended is never completed: its partial copy goes.
      await executor.abandon();
      await this.parts.save();
    }
    await record({ outcome: 'ok', end: outcome.end });
    // Acknowledged reports are deleted only now: a crash before this point means they are sent again.
    await this.acknowledge(outcome.alerts);
    this.ports.log.log('info', `session ${outcome.sessionId} ended (${outcome.end}): ${outcome.messagesSent} sent, ${outcome.serverCommands} server commands`);
    return outcome;
  }

  /** Removes from the outbox every report a trusted server answered with 200/202. */
  private async acknowledge(alerts: AlertOutcome[]): Promise<void> {
    for (const a of alerts) {
      if (!a.alert.ref || !isAcknowledgement(a.status)) continue;
      const i = a.alert.ref.indexOf(':');
      const source = this.parts.reports.find((s) => s.name === a.alert.ref!.slice(0, i));
      if (source) await source.acknowledge(a.alert.ref.slice(i + 1));
    }
  }

  deployedComponentUri(idOrName: string): Promise<string> {
    return this.parts.deployedComponentUri(idOrName);
  }

  /** A Get on the local tree with the configured server's rights (for `dm-agent tree`). */
  async localGet(uri: string): Promise<{ status: number; items: Array<{ uri: string; format: string; type?: string; data?: string | Uint8Array }>; reason?: string }> {
    return this.parts.tree.get(uri, { serverId: this.config.server.id });
  }

  async statusReport(): Promise<{ lines: string[]; details: string[]; reportLines: string[]; summary: StatusSummary; pendingReports: Array<{ source: string; type: string; ref?: string }> } & Record<string, unknown>> {
    const s = await this.parts.status();
    const summary = await this.parts.summary();
    const pending: Array<{ source: string; type: string; ref?: string }> = [];
    for (const source of this.parts.reports) {
      for (const r of await source.pendingReports()) pending.push({ source: source.name, type: r.type, ref: r.ref });
    }
    const details = s.lines;
    const reportLines = pending.map((p) => `  ${p.source}: ${p.type}${p.ref ? ' (' + p.ref + ')' : ''}`);
    const lines = details.concat([`pending reports: ${pending.length}`], reportLines);
    return { lines, details, reportLines, summary, pendingReports: pending, ...s.data };
  }

  async close(): Promise<void> {
    await this.parts.close();
  }

  /**
   * Runs the jobs accepted during the last session; if they produced reports, delivers them in a new session. The
   * server may command more work in that report session (a follow-up update after a result, OMA-TS-DM_Protocol-V1_2
   * lets any session carry management commands): those jobs run too and their reports go in one more session, so the
   * caller returns only when nothing it could run now is left (docs/flows.md "Jobs after the session"). A server
   * that commands a new job in every report session is stopped after MAX_REPORT_SESSIONS: the last jobs still run,
   * their reports wait for the next session. The last line says what is left, if anything.
   */
  async afterSession(): Promise<string[]> {
    const lines: string[] = [];
    let pending = 0;
    for (let reportSessions = 0; ; reportSessions++) {
      const ran: string[] = [];
      for (const s of this.parts.reports) ran.push(...(await s.runPendingJobs()));
      lines.push(...ran);
      pending = 0;
      for (const s of this.parts.reports) pending += (await s.pendingReports()).length;
      if (pending === 0 || ran.length === 0 || reportSessions >= MAX_REPORT_SESSIONS) break;
      let o: SessionOutcome;
      try {
        o = await this.session('client');
      } catch (e) {
        lines.push(`report session failed (${(e as Error).message}); the report stays pending and is sent with the next session`);
        return lines;
      }
      const acked = o.alerts.filter((a) => isAcknowledgement(a.status)).length;
      lines.push(`report session ${o.sessionId}: ${acked} of ${o.alerts.length} result report(s) acknowledged`);
      // Only a report session that carried server commands can have started new jobs.
      if (o.serverCommands === 0) {
        pending = 0;
        for (const s of this.parts.reports) pending += (await s.pendingReports()).length;
        break;
      }
    }
    if (pending > 0 && lines.length > 0) lines.push(`${pending} result report(s) left pending: sent with the next session`);
    return lines;
  }
}

/** Report sessions one afterSession() opens at most (the first one plus follow-ups the server asked for). */
export const MAX_REPORT_SESSIONS = 4;

/** A client session id: 4 random hex digits, uppercase, no leading zeros (the same form Pkg#0 ids take). */
export function randomSessionId(bytes: Uint8Array): string {
  const n = ((bytes[0] << 8) | bytes[1]) || 1;
  return n.toString(16).toUpperCase();
}



// What the daemon (src/cli/daemon.ts) does with one configuration, from its start or a reload until a stop or the
// next reload: it listens for notifications, runs the triggers, takes the requests `dm-agent request` hands over
// (docs/handoff.md), and runs what they ask one step at a time, each step holding the state lock on an agent composed
// afresh from disk (a `session` command between two steps may have changed the DM tree, the nonces or the jobs).
import { buildUpdateRequest, classifyAnswer, type RequestOrigin } from '../alerts/update-request.js';
import type { Agent, AuthSettings } from '../agent/agent.js';
import type { AgentConfig } from '../config.js';
import type { PlatformPorts } from '../ports/platform.js';
import type { ProgressSink } from '../ports/progress.js';
import { ServiceNotifier, type ServicePhase } from '../service-manager.js';
import { startTriggers } from '../triggers/start.js';
import { parseTriggersConfig } from '../triggers/config.js';
import {
  NotificationIntake,
  NotificationQueue,
  parseNotificationConfig,
  serveNotifications,
  serverCredentialsFrom,
} from '../notification/index.js';
import { composeWith } from './open-agent.js';
import { acquireStateLock } from './state-lock.js';
import { BusyError, describeError, exitCodeFor } from './errors.js';
import { createProgressRenderer } from './progress.js';
import type { Doorbell } from './doorbell.js';
import { answerRequest, REQUESTS_DIR, takeNextRequest, writeProgress, type HandoffAnswer, type ProgressByPhase, type TakenRequest } from './handoff.js';
import { runRequestSpec } from './request-run.js';

/**
 * How often an idle daemon looks into the request spool. A `request` rings the daemon (SIGUSR2) after it handed a
 * request over, so the look is only the safety net for a ring that could not be sent; a runtime that cannot be rung
 * looks four times a second, so a person at the command line does not notice the wait.
 */
export const HANDOFF_POLL_MS = 250;
export const HANDOFF_POLL_RUNG_MS = 5000;
/** A handed-over request's progress is written for its command at most this often (its bar redraws at 10 Hz). */
const RELAY_MS = 200;

export interface DaemonSignals {
  stopping: boolean;
  reloadAsked: boolean;
  bell: Doorbell;
}

/** Runs the daemon's steps for one configuration: each holds the state lock, one at a time. */
export class DaemonSteps {
  readonly progress: ProgressSink;
  /** Sessions never overlap: triggers, handed-over requests and notifications take turns through this chain. */
  private chain: Promise<unknown> = Promise.resolve();
  private ready = false;
  /** The agent of the last step: the freshest view of the credentials and nonces (closed, its parts still readable). */
  lastAgent: Agent | undefined;

  constructor(
    readonly config: AgentConfig,
    readonly ports: PlatformPorts,
    readonly service: ServiceNotifier,
    readonly signals: DaemonSignals,
  ) {
    const log = ports.log;
    // Update progress in the daemon's log: a line every 10% of each phase (download, flash, read-back), whatever stderr is.
    this.progress = createProgressRenderer({ mode: 'log', write: (line) => log.log('info', line.replace(/\n$/, '')), now: () => ports.clock.now() });
  }

  markReady(): void {
    this.ready = true;
    this.service.status('idle');
  }

  /** Runs one step holding the state lock, on an agent composed afresh from disk; undefined when stopped while waiting. */
  async locked<T>(
    f: (a: Agent) => Promise<T>,
    phase: ServicePhase = 'in session',
    options: { config?: AgentConfig; xml?: boolean; progress?: ProgressSink } = {},
  ): Promise<T | undefined> {
    const { ports, config, signals } = this;
    try {
      await acquireStateLock(ports.stateLock, config.stateDir, ports.clock, {
        waitSeconds: Infinity,
        cancelled: () => signals.stopping,
        onWait: (holder) => ports.log.log('info', `${holder}; waiting for it`),
      });
    } catch (e) {
      if (e instanceof BusyError && signals.stopping) return undefined;
      throw e;
    }
    if (this.ready) this.service.status(phase);
    try {
      const step = await composeWith(options.config || config, ports, { xml: options.xml, progress: options.progress || this.progress });
      try {
        return await f(step);
      } finally {
        await step.close();
        this.lastAgent = step;
      }
    } finally {
      await ports.stateLock.release();
      if (this.ready && !signals.stopping) this.service.status('idle');
    }
  }

  /**
   * A step in turn with the others. A failed session (network, a server that did not authenticate) is reported to its
   * caller and logged there; it must not poison the chain, or the daemon would end with that old error at shutdown.
   */
  exclusive<T>(f: (a: Agent) => Promise<T>, phase?: ServicePhase, options?: Parameters<DaemonSteps['locked']>[2]): Promise<T | undefined> {
    const run = this.chain.then(() => this.locked(f, phase, options));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Waits for every step queued so far. */
  async drain(): Promise<void> {
    await this.chain;
  }
}

/**
 * Serves until a stop or a reload is asked; returns after the listeners and the triggers have stopped and the steps
 * already queued have ended.
 */
export async function serveConfiguration(steps: DaemonSteps): Promise<'stopped' | 'reload'> {
  const { config, ports, signals } = steps;
  const log = ports.log;
  const closers: Array<() => Promise<void>> = [];
  // The daemon's view between steps (notification checks read the server's credentials and nonce from it); it never
  // saves: after each step the step's own agent is the fresher view.
  const view: Agent = await composeWith(config, ports, { readOnly: true });
  const latest = () => steps.lastAgent || view;
  let served: Promise<unknown> = Promise.resolve();
  try {
    const ncfg = parseNotificationConfig(config.notifications);
    if ((ncfg.udp || ncfg.http || ncfg.spool) && ports.startNotifications) {
      // Secrets change only between sessions (docs/protocol.md §3.3): refreshed after each one; the nonce is read live.
      let server: AuthSettings = (await view.parts.credentials()).server;
      const queue = new NotificationQueue(ncfg.queueCapacity);
      const intake = new NotificationIntake({
        credentials: () => [serverCredentialsFrom({ id: config.server.id, serverAuth: server }, () => latest().parts.nonces.serverNonce())],
        queue,
        clock: ports.clock,
        log,
        dedupWindowMs: ncfg.dedupWindowMs,
        maxVendorBytes: ncfg.maxVendorBytes,
        minVersion: ncfg.minVersion,
      });
      const transports = await ports.startNotifications(ncfg, intake, log);
      closers.push(async () => {
        queue.close();
        await transports.close();
      });
      served = serveNotifications({
        queue,
        ui: ports.ui,
        log,
        clock: ports.clock,
        plan: { maxWaitSeconds: ncfg.confirmWaitSeconds, whenCannotAsk: ncfg.whenCannotAsk },
        runSession: (sessionId) =>
          steps
            .exclusive(async (a) => {
              const o = await a.session('server', [], sessionId);
              log.log('info', `server-initiated session ${o.sessionId} ended (${o.end})`);
              steps.service.status('updating');
              for (const j of await a.afterSession()) log.log('info', `job: ${j}`);
              server = (await a.parts.credentials()).server;
            })
            .then(() => undefined),
      });
    }

    // The button (when the platform has one) and the schedule, both the core's logic (src/triggers).
    const triggers = await startTriggers(parseTriggersConfig(config.triggers), {
      clock: ports.clock,
      random: ports.random,
      storage: ports.storage,
      log: ports.log,
      startButton: ports.startButton,
    });
    closers.push(() => triggers.stop());
    triggers.queue.onPush = () => signals.bell.ring();

    const spool = ports.spoolFs && ports.daemonLock ? { fs: ports.spoolFs, dir: `${config.stateDir}/${REQUESTS_DIR}` } : undefined;
    // A spool folder that cannot be read is logged once per different reason, not four times a second.
    let lastTrouble = '';
    const spoolTrouble = (e: unknown): null => {
      const m = describeError(e);
      if (m !== lastTrouble) log.log('error', `request spool: ${m}`);
      lastTrouble = m;
      return null;
    };
    log.log('info', 'daemon ready: waiting for the button, the schedule, notifications, handed-over requests or a signal');
    steps.markReady();
    while (!signals.stopping && !signals.reloadAsked) {
      // A person's request first (someone waits for its answer), then the button and the schedule.
      const handed = spool ? await takeNextRequest(spool.fs, spool.dir, ports.clock.now()).catch((e) => spoolTrouble(e)) : null;
      if (handed && spool) {
        await runHanded(steps, spool, handed);
        continue;
      }
      const ev = triggers.queue.take();
      if (ev) {
        // onTrigger logs its own failures; this catches a step that could not start (the state could not be read).
        await steps.exclusive((a) => onTrigger(a, ev.request, ev.kind)).catch((e) => log.log('error', `${ev.kind} trigger: ${(e as Error).message}`));
        continue;
      }
      await signals.bell.wait(ports.clock, !spool ? 60_000 : ports.onRing ? HANDOFF_POLL_RUNG_MS : HANDOFF_POLL_MS);
    }
    for (const close of closers.splice(0)) await close();
    await served;
    await steps.drain();
    return signals.stopping ? 'stopped' : 'reload';
  } finally {
    for (const close of closers) await close().catch(() => undefined);
    await view.close();
  }
}

/** Runs a request `dm-agent request` handed over, and answers it with what the command itself would have printed. */
async function runHanded(steps: DaemonSteps, spool: { fs: NonNullable<PlatformPorts['spoolFs']>; dir: string }, taken: TakenRequest): Promise<void> {
  const { ports, config } = steps;
  const log = ports.log;
  const spec = taken.request.spec;
  const lines: string[] = [];
  const relay = relayProgress(steps.progress, spool.fs, spool.dir, taken.id, () => ports.clock.now());
  let answer: HandoffAnswer;
  try {
    // --server URL of the command: the same check as on its command line (src/config.ts validateUrl) was made there.
    const runConfig = spec.serverUrl === undefined ? config : { ...config, server: { ...config.server, url: spec.serverUrl } };
    const report = await steps.exclusive((a) => runRequestSpec(a, runConfig, spec, (l) => lines.push(l)), 'in session', {
      config: runConfig,
      xml: spec.xml,
      progress: relay.sink,
    });
    if (report === undefined) answer = { ok: false, error: 'the daemon was asked to stop before it could run the request', exitCode: 9, lines };
    else {
      answer = { ok: true, lines: lines.concat(report.lines), summary: report.summary };
      log.log('info', `handed-over ${spec.origin} request ${taken.id} answered ${String(report.summary.status)} (${String(report.summary.answer)})`);
    }
  } catch (e) {
    answer = { ok: false, error: describeError(e), exitCode: exitCodeFor(e), lines };
    log.log('warn', `handed-over ${spec.origin} request ${taken.id} failed: ${describeError(e)}`);
  }
  try {
    await relay.settled(); // the command reads the last progress once the answer is there
    await answerRequest(spool.fs, spool.dir, taken.id, answer);
  } catch (e) {
    log.log('error', `could not answer handed-over request ${taken.id}: ${describeError(e)}`);
  }
}

/**
 * The daemon's own progress lines, and for the command that waits the latest event of each phase (its bar or --json):
 * written at most every RELAY_MS, and always at a phase's start and end, so the command sees every phase finish.
 */
function relayProgress(
  own: ProgressSink,
  fs: NonNullable<PlatformPorts['spoolFs']>,
  dir: string,
  id: string,
  now: () => number,
): { sink: ProgressSink; settled(): Promise<void> } {
  const latest: ProgressByPhase = {};
  let lastAt = -Infinity;
  let dirty = false;
  let writing: Promise<void> | undefined;
  const flush = (): void => {
    if (writing || !dirty) return;
    dirty = false;
    lastAt = now();
    writing = writeProgress(fs, dir, id, { ...latest })
      .catch(() => undefined) // progress is a courtesy: the answer still comes
      .then(() => {
        writing = undefined;
        flush();
      });
  };
  return {
    sink(event) {
      own(event);
      const first = latest[event.phase] === undefined;
      latest[event.phase] = event;
      dirty = true;
      const finished = event.total !== undefined && event.done >= event.total;
      if (first || finished || now() - lastAt >= RELAY_MS) flush();
    },
    async settled() {
      flush(); // an event held back by the rate limit goes out now
      while (writing) await writing;
    },
  };
}

/** One trigger = one client-initiated request per configured target (FUMO and/or SCOMO); errors are logged, not fatal. */
async function onTrigger(agent: Agent, origin: RequestOrigin, kind: string): Promise<void> {
  const log = agent.ports.log;
  for (const target of agent.config.request.triggerTargets) {
    try {
      const fumoNode = agent.config.request.fumoNode;
      const alert = buildUpdateRequest(origin, target === 'scomo' ? { kind: 'scomo' } : fumoNode ? { kind: 'fumo', node: fumoNode } : { kind: 'fumo' }, {
        data: agent.config.request.data,
        mark: agent.config.request.mark,
      });
      const r = await agent.request(alert, { retry: true });
      const answer = classifyAnswer(r.status);
      log.log(answer === 'refused' || answer === 'no-status' ? 'warn' : 'info', `${kind} trigger: ${origin} ${target} request answered ${r.status === undefined ? 'nothing' : r.status} (${answer})`, {
        session: r.outcome.sessionId,
      });
      for (const j of r.jobs) log.log('info', `job: ${j}`);
    } catch (e) {
      log.log('error', `${kind} trigger: ${origin} ${target} request failed: ${(e as Error).message}`);
    }
  }
}

// The command's side of the hand-off (docs/handoff.md): `dm-agent request` finds a daemon running on its state
// directory (it holds `daemon.lock`), writes the request into the request spool, shows the daemon's progress as its
// own, and prints the daemon's answer as if it had run the request itself. A daemon that is busy and does not take
// the request within the wait (`--wait SECONDS`, at least TAKE_GRACE_S) leaves it withdrawn, and the command exits 9,
// as a busy state lock always did.
import type { AgentConfig } from '../config.js';
import type { PlatformPorts } from '../ports/platform.js';
import { hex } from '../bytes.js';
import { EXIT } from './args.js';
import type { CommandContext } from './context.js';
import { BusyError, DaemonAnswerError, InterruptedError } from './errors.js';
import { forgetRequest, handOver, handoffState, readAnswer, readProgress, REQUESTS_DIR, withdraw, type HandoffAnswer } from './handoff.js';
import { commandProgress } from './open-agent.js';
import type { RequestSpec } from './request-spec.js';
import type { ProgressPhase } from '../ports/progress.js';

const PHASES: ProgressPhase[] = ['download', 'flash', 'read-back'];
import { busyMessage } from './state-lock.js';

/** The least time a daemon gets to take a request: it looks into the spool every 250 ms when idle. */
export const TAKE_GRACE_S = 5;
/**
 * How often the command looks for the daemon's answer and progress: a few stat calls, cheap for a command that lives
 * a few seconds, and the answer shows at most 20 ms after the daemon wrote it.
 */
const LOOK_MS = 20;
/** How often the command checks that the daemon still runs (a free daemon.lock: it died). */
const ALIVE_EVERY_MS = 1000;

/** The running daemon (its pid, when it wrote one), or undefined when none holds the state directory's daemon.lock. */
export async function runningDaemon(ports: PlatformPorts): Promise<{ pid: number | null } | undefined> {
  if (!ports.daemonLock || !ports.spoolFs) return undefined;
  const attempt = await ports.daemonLock.tryAcquire();
  if (attempt.ok) {
    await ports.daemonLock.release();
    return undefined;
  }
  return { pid: attempt.holderPid };
}

async function daemonAlive(ports: PlatformPorts): Promise<boolean> {
  return (await runningDaemon(ports)) !== undefined;
}

export async function requestThroughDaemon(
  ctx: CommandContext,
  ports: PlatformPorts,
  config: AgentConfig,
  spec: RequestSpec,
  daemonPid: number | null,
): Promise<number | 'daemon gone'> {
  const fs = ports.spoolFs as NonNullable<PlatformPorts['spoolFs']>;
  const clock = ports.clock;
  const dir = `${config.stateDir}/${REQUESTS_DIR}`;
  const id = hex(ports.random.bytes(8));
  const waitS = Math.max(ctx.args.global.waitSeconds === undefined ? 0 : ctx.args.global.waitSeconds, TAKE_GRACE_S);
  const takeBy = isFinite(waitS) ? clock.now() + waitS * 1000 : Number.MAX_SAFE_INTEGER;
  await handOver(fs, dir, id, { spec, takeBy });
  // An idle daemon takes it at once when rung; without a ring it finds it at its next look (docs/handoff.md).
  if (daemonPid !== null && ports.ring) ports.ring(daemonPid);
  const daemonName = daemonPid === null ? 'the running daemon' : `the running daemon (pid ${daemonPid})`;
  ctx.host.writeStderr(`dm-agent: handed to ${daemonName}; waiting for its answer\n`);
  const progress = commandProgress(ctx, ports);
  // Ctrl-C (or SIGTERM) while waiting: a request the daemon has not taken yet is withdrawn, so a person who gives up
  // does not get an update check later; one it has taken runs to its end (a session is never cut half-way).
  let interrupted = false;
  if (ports.onStop) ports.onStop(() => (interrupted = true));
  const shown: Partial<Record<ProgressPhase, string>> = {};
  let aliveCheckedAt = clock.now();
  // Phases in the order an update goes through them; a phase whose latest event changed is shown again.
  const showProgress = async () => {
    const events = await readProgress(fs, dir, id);
    for (const phase of PHASES) {
      const event = events && events[phase];
      const text = event ? JSON.stringify(event) : '';
      if (event && text !== shown[phase]) {
        shown[phase] = text;
        progress(event);
      }
    }
  };
  // The daemon writes its last progress before its answer: once the answer is there, one more look shows it all.
  const collect = async (): Promise<HandoffAnswer | null> => {
    const answer = await readAnswer(fs, dir, id);
    if (!answer) return null;
    await showProgress();
    await forgetRequest(fs, dir, id);
    return answer;
  };
  for (;;) {
    const answer = await collect();
    if (answer) return printAnswer(ctx, answer);
    const state = await handoffState(fs, dir, id);
    const now = clock.now();
    if (interrupted) {
      if (state === 'waiting' && (await withdraw(fs, dir, id))) throw new InterruptedError('interrupted: the request was withdrawn before the daemon took it');
      if (state !== 'answered')
        throw new InterruptedError(`interrupted: ${daemonName} runs the request to its end; dm-agent status shows the outcome`);
    }
    if (state === 'waiting' && now > takeBy) {
      if (await withdraw(fs, dir, id))
        throw new BusyError(
          `${busyMessage(config.stateDir, daemonPid)} (the daemon, in a session, did not take the request within ${waitS} s; withdrawn: pass --wait SECONDS to wait longer)`,
        );
      continue; // taken just now
    }
    if (state === 'gone') throw new Error(`the handed-over request ${id} left ${dir} without an answer (removed by hand?)`);
    if (state === 'taken') await showProgress();
    if (now - aliveCheckedAt >= ALIVE_EVERY_MS) {
      aliveCheckedAt = now;
      if (!(await daemonAlive(ports))) {
        const last = await collect();
        if (last) return printAnswer(ctx, last);
        if (await withdraw(fs, dir, id)) {
          ctx.host.writeStderr(`dm-agent: ${daemonName} stopped before it took the request; running it here\n`);
          return 'daemon gone';
        }
        throw new Error(`${daemonName} stopped while it ran the request; its outcome is unknown: see dm-agent status`);
      }
    }
    await clock.sleep(LOOK_MS);
  }
}

function printAnswer(ctx: CommandContext, answer: HandoffAnswer): number {
  for (const line of answer.lines) ctx.out.line(line);
  if (!answer.ok) throw new DaemonAnswerError(answer.error, answer.exitCode);
  ctx.out.result(answer.summary);
  return EXIT.OK;
}

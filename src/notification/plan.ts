// Whether and how a verified notification becomes a session (docs/protocol.md §8.1 ui-mode, §8.3 last bullet). The session
// itself is the agent's: it starts with Alert 1200 (server-initiated) and the SessionID of the notification
// (uppercase hex, docs/protocol.md §1.3); the lead runs `agent.session('server', [], plan.sessionId)` when plan.start is true.
//   not-specified   start, no UI (the spec leaves it to the device; a gateway has nobody to tell)
//   background      start, no UI
//   informative     start, and tell the user: `showInfo` carries the text; with `display: true` it is shown here
//                   (awaited) before returning, otherwise the caller shows it without delaying the session
//   user-interaction  ask first (UserInterface `confirm`): yes -> start; no, cancel, timeout -> no session;
//                   a device that cannot ask follows `whenCannotAsk` (default: no session, since the server asked
//                   for consent that nobody gave)
import type { Log, UiAnswer, UserInterface } from '../ports/runtime.js';
import type { Pkg0Notification } from './pkg0.js';

export interface SessionPlan {
  start: boolean;
  /** pkg1 SessionID (uppercase hex, no leading zeros). */
  sessionId: string;
  /** Text to show the user (informative mode). */
  showInfo?: string;
  /** Why no session starts, or what the user answered. */
  reason?: string;
}

export interface PlanOptions {
  /** Show the informative text through `ui` before returning (default false: the caller shows `showInfo`). */
  display?: boolean;
  /** How long the confirm question waits (seconds); passed to the UI port as maxWaitSeconds. */
  maxWaitSeconds?: number;
  /** What to do in user-interaction mode when the UI answers cannotDisplay or unsupported (default 'skip'). */
  whenCannotAsk?: 'start' | 'skip';
  infoText?: (serverId: string) => string;
  confirmText?: (serverId: string) => string;
  log?: Log;
}

export type NotifiedSession = Pick<Pkg0Notification, 'uiMode' | 'sessionIdHex' | 'serverId'>;

const defaultInfo = (serverId: string) => `The management server ${serverId} is starting a session with this device.`;
const defaultConfirm = (serverId: string) => `The management server ${serverId} asks to start a session with this device. Allow it?`;

function describeAnswer(a: UiAnswer): string {
  if (a.kind === 'cannotDisplay') return `cannotDisplay (${a.reason})`;
  return a.kind;
}

export async function planNotifiedSession(n: NotifiedSession, ui: UserInterface, options: PlanOptions = {}): Promise<SessionPlan> {
  const sessionId = n.sessionIdHex;
  switch (n.uiMode) {
    case 'not-specified':
    case 'background':
      return { start: true, sessionId };
    case 'informative': {
      const text = (options.infoText || defaultInfo)(n.serverId);
      if (options.display) {
        try {
          await ui.ask({ kind: 'display', text });
        } catch (e) {
          // Telling the user is a courtesy in this mode: a failing display does not stop the session.
          if (options.log) options.log.log('warn', 'could not display the notification text', { error: String(e) });
        }
      }
      return { start: true, sessionId, showInfo: text };
    }
    case 'user-interaction': {
      const request: Parameters<UserInterface['ask']>[0] = { kind: 'confirm', text: (options.confirmText || defaultConfirm)(n.serverId) };
      if (options.maxWaitSeconds !== undefined) request.maxWaitSeconds = options.maxWaitSeconds;
      let answer: UiAnswer;
      try {
        answer = await ui.ask(request);
      } catch (e) {
        return { start: false, sessionId, reason: `asking the user failed: ${e instanceof Error ? e.message : String(e)}` };
      }
      if (answer.kind === 'yes') return { start: true, sessionId, reason: 'user agreed' };
      if (answer.kind === 'cannotDisplay' || answer.kind === 'unsupported') {
        const start = options.whenCannotAsk === 'start';
        return { start, sessionId, reason: `cannot ask the user: ${describeAnswer(answer)}; ${start ? 'starting anyway (whenCannotAsk=start)' : 'no session'}` };
      }
      if (answer.kind === 'timeout') return { start: false, sessionId, reason: 'user did not answer in time' };
      if (answer.kind === 'no' || answer.kind === 'cancelled') return { start: false, sessionId, reason: `user declined (${answer.kind})` };
      return { start: false, sessionId, reason: `unexpected answer to a confirm request: ${describeAnswer(answer)}` };
    }
  }
}

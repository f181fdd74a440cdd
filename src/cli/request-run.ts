// Runs one client-initiated update request on an open agent and says what came of it, in the words of
// `dm-agent request` (README.md, Command line). The command runs it itself, or a running daemon runs it for the
// command (docs/handoff.md): both print the same lines and the same JSON result, and exit with the same code.
import { buildUpdateRequest, classifyAnswer, fumoNodeUri, type UpdateTarget } from '../alerts/update-request.js';
import type { Agent } from '../agent/agent.js';
import type { AgentConfig } from '../config.js';
import { RefusedError } from './errors.js';
import type { RequestSpec } from './request-spec.js';

const ANSWER_TEXT: Record<string, string> = {
  'will-update': 'the server will command the update in this session',
  accepted: 'accepted for processing: the server will look into it and come back later (server-initiated session or next scheduled check)',
};

/** Job lines (src/agent/agent.ts, src/agent/fumo-source.ts, src/scomo) that name work left for later. */
const LEFT_FOR_LATER = /left pending|waits at step|report session failed|awaiting reboot/;

export interface RequestReport {
  /** The JSON result of `request --json`. */
  summary: Record<string, unknown>;
  /** The lines `request` prints after the answer (the first line, before the session, goes through `emit`). */
  lines: string[];
}

/**
 * Sends the request. `emit` gets the line that says what is sent, before the session starts (a person sees it at once);
 * an accepted request returns the report, a refused one throws RefusedError (exit 5), a failed session its own error.
 */
export async function runRequestSpec(agent: Agent, config: AgentConfig, spec: RequestSpec, emit: (line: string) => void): Promise<RequestReport> {
  let target: UpdateTarget;
  if (spec.target.kind === 'scomo') {
    target = { kind: 'scomo' };
    if (spec.target.component !== undefined) target.componentUri = await agent.deployedComponentUri(spec.target.component);
  } else {
    const node = spec.target.node !== undefined ? fumoNodeUri(spec.target.node) : config.request.fumoNode;
    target = node ? { kind: 'fumo', node } : { kind: 'fumo' };
  }
  const alert = buildUpdateRequest(spec.origin, target, {
    data: spec.data !== undefined ? spec.data : config.request.data,
    mark: spec.mark !== undefined ? spec.mark : config.request.mark,
  });
  emit(`request: ${spec.origin} ${target.kind === 'fumo' ? 'firmware' : 'software'} update request (${alert.type})${alert.sourceUri ? ' for ' + alert.sourceUri : ''}`);
  const result = await agent.request(alert, { retry: spec.retry });
  const answer = classifyAnswer(result.status);
  const summary = {
    ok: answer === 'will-update' || answer === 'accepted',
    status: result.status === undefined ? null : result.status,
    answer,
    type: alert.type,
    source: alert.sourceUri || null,
    sessionId: result.outcome.sessionId,
    messagesSent: result.outcome.messagesSent,
    serverCommands: result.outcome.serverCommands,
    jobs: result.jobs,
    // Every job the server commanded (in this session or in a report session) ran to its end before this answer,
    // unless a line says what waits (a reboot, a report the server did not take): src/agent/agent.ts afterSession.
    jobsFinished: !result.jobs.some((j) => LEFT_FOR_LATER.test(j)),
  };
  if (!summary.ok) {
    if (answer === 'no-status') throw new RefusedError('the server did not answer the request alert with a Status');
    throw new RefusedError(`the server refused the request with status ${result.status}`, result.status);
  }
  const lines = [
    `server answered ${result.status}: ${ANSWER_TEXT[answer]}`,
    `session ${result.outcome.sessionId}: ${result.outcome.messagesSent} message(s) sent, ${result.outcome.serverCommands} server command(s)`,
  ];
  for (const j of result.jobs) lines.push(`job: ${j}`);
  if (result.jobs.length > 0) lines.push(summary.jobsFinished ? 'jobs: all finished, nothing left for later' : 'jobs: some work is left for later (see the lines above)');
  return { summary, lines };
}

// The built-in scenarios: what the server does after each client package (docs/flows.md stories A-D and misbehaviours).
// A scenario answers client requests (Generic Alerts) with 200/202 and returns the commands of the next package;
// an empty list ends the session (docs/protocol.md §1.9).
import type { Command } from '../../src/syncml/model.js';
import { add, atomic, exec, get, replace, uiAlert } from './commands.js';
import type { GenericAlertRecord, Scenario, ScenarioContext, ScenarioFn, ScenarioParams } from './types.js';
import { ServerConfigError } from './types.js';
import { treeLife } from './tree-life.js';
import { tndsScenario } from './tnds.js';
import { fumoPkgData } from './pkgdata.js';
import { scomoPkgData } from './scomo-pkgdata.js';

export const DEFAULT_PARAMS: ScenarioParams = {
  fumoUri: './FUMO',
  fumoOperation: 'DownloadAndUpdate',
  useDescriptor: false,
  pkgName: 'gateway-firmware',
  pkgVersion: '2.4.1',
  uiText: 'Update found: 2.4.1, installing now',
  scomoRoot: './SCOMO',
  scomoPkg: 'pkg1',
  scomoPkgId: 'com.example.app-1.1',
  scomoName: 'com.example.app',
  largeTarget: './FUMO/Update/PkgData',
  largeSize: 20000,
  largeGet: './DevDetail?list=StructData',
};

const FUMO_REQUEST = /^org\.openmobilealliance\.dm\.firmwareupdate\.(devicerequest|userrequest)$/;
const SCOMO_REQUEST = /^urn:oma:at:scomo:1\.1:Update(Device|User)Request$/;

/** The client asked for something (FUMO §5.5 or SCOMO §6.5 request), or the session answers our Pkg#0 (Alert 1200). */
function wantsFumo(ctx: ScenarioContext): GenericAlertRecord | 'server-initiated' | undefined {
  const a = ctx.alerts.find((x) => x.type !== undefined && FUMO_REQUEST.test(x.type));
  if (a) return a;
  return ctx.initiation === '1200' ? 'server-initiated' : undefined;
}

/** The FUMO node the update targets: the client's alert Source when it names one (docs/protocol.md §5.5), else the parameter. */
function fumoNode(ctx: ScenarioContext): string {
  const a = wantsFumo(ctx);
  // Field variant (docs/protocol.md §5.5): Source names the operation node, e.g. ./FUMO/DownloadAndUpdate; use its <x>.
  if (a && a !== 'server-initiated' && a.source && a.source.indexOf('./FUMO') === 0)
    return a.source.replace(/\/(DownloadAndUpdate|Download|Update)$/, '');
  return ctx.params.fumoUri;
}

function pkgUrl(ctx: ScenarioContext): string {
  const fw = ctx.firmware(ctx.params.firmware);
  if (!fw) return `${ctx.baseUrl}/fw/${ctx.params.firmware || 'firmware.bin'}`;
  return ctx.params.useDescriptor ? fw.ddUrl : fw.url;
}

/**
 * FLOWS B: Replace PkgURL (+ PkgName, PkgVersion) and Exec the operation with a Correlator (docs/protocol.md §5.3).
 * Without a descriptor (which carries the SHA-256 itself) the image's SHA-256 goes to <x>/Ext/PkgSHA256, the agent's
 * vendor extension: an agent that refuses packages of unknown hash (fumo.requireHash, the default) can verify it.
 */
function fumoUpdateCommands(ctx: ScenarioContext, version = ctx.params.pkgVersion): Command[] {
  const x = fumoNode(ctx);
  const op = ctx.params.fumoOperation;
  const fw = ctx.firmware(ctx.params.firmware);
  const values = [
    { uri: `${x}/${op}/PkgURL`, data: pkgUrl(ctx) },
    { uri: `${x}/PkgName`, data: ctx.params.pkgName },
    { uri: `${x}/PkgVersion`, data: version },
  ];
  if (fw && !ctx.params.useDescriptor) values.push({ uri: `${x}/Ext/PkgSHA256`, data: fw.sha256 });
  return [replace(...values), exec(`${x}/${op}`, ctx.newCorrelator('fumo'))];
}

const acceptLater: Scenario = {
  name: 'accept-202',
  requestStatus: () => 202,
  next: () => [],
};

const fumo200: Scenario = {
  name: 'fumo-200',
  requestStatus: () => 200,
  next(ctx) {
    if (ctx.step !== 0 || !wantsFumo(ctx)) return [];
    return [uiAlert('1100', 'MINDT=1', ctx.params.uiText), ...fumoUpdateCommands(ctx)];
  },
};

/**
 * Work commanded later: the update comes in the server's second package (after a Get), and when its result report
 * arrives in the agent's report session the server commands a second update there (version <pkgVersion>-b), once per
 * device and server. The agent runs both and delivers both reports before `request` returns (docs/flows.md "Jobs after the session").
 */
function fumoFollowUp(): Scenario {
  const followedUp = new Set<string>();
  return {
    name: 'fumo-follow-up',
    requestStatus: () => 200,
    next(ctx) {
      if (wantsFumo(ctx)) {
        if (ctx.step === 0) return [get('./DevInfo/Mod')];
        if (ctx.step === 1) return fumoUpdateCommands(ctx);
        return [];
      }
      const report = ctx.alerts.some((a) => reportKindOf(a) === 'fumo');
      // once per device and server (the scenario object is shared by every server of the process)
      const key = `${ctx.baseUrl}|${ctx.devId}`;
      if (ctx.step === 0 && report && !followedUp.has(key)) {
        followedUp.add(key);
        return fumoUpdateCommands(ctx, `${ctx.params.pkgVersion}-b`);
      }
      return [];
    },
  };
}

function reportKindOf(a: GenericAlertRecord): 'fumo' | undefined {
  return a.isReport && a.type !== undefined && /firmwareupdate/.test(a.type) ? 'fumo' : undefined;
}

const fumo200Confirm: Scenario = {
  name: 'fumo-200-confirm',
  requestStatus: () => 200,
  next(ctx) {
    if (ctx.step === 0) {
      if (!wantsFumo(ctx)) return [];
      return [uiAlert('1101', 'MAXDT=30&DR=1', `Install firmware ${ctx.params.pkgVersion} now?`)];
    }
    if (ctx.step === 1) {
      // docs/protocol.md §1.8: 200 = yes, 304 = no, 214 = cancelled; only a yes leads to the update.
      const answer = ctx.statuses.find((s) => s.cmd === 'Alert');
      ctx.state.confirmed = answer ? answer.code : undefined;
      return answer && answer.code === 200 ? fumoUpdateCommands(ctx) : [];
    }
    return [];
  },
};

const SCOMO_DEPLOYED = /\/Inventory\/Deployed\/[^/?]+$/;

const scomo200: Scenario = {
  name: 'scomo-200',
  requestStatus: () => 200,
  next(ctx) {
    const p = ctx.params;
    const request = ctx.alerts.find((a) => a.type !== undefined && SCOMO_REQUEST.test(a.type));
    if (ctx.step === 0) {
      if (!request && ctx.initiation !== '1200') return [];
      // FLOWS C: the server reads the component the request is about, or the whole Deployed inventory.
      const comp = request && request.source && SCOMO_DEPLOYED.test(request.source) ? request.source : `${p.scomoRoot}/Inventory/Deployed`;
      ctx.state.component = comp;
      return [get(`${comp}?list=StructData`)];
    }
    if (ctx.step === 1) {
      const fw = ctx.firmware(p.firmware);
      const url = fw ? (p.useDescriptor ? fw.ddUrl : fw.url) : `${ctx.baseUrl}/fw/${p.firmware || 'package.deb'}`;
      const d = `${p.scomoRoot}/Download/${p.scomoPkg}`;
      return [
        add(
          { uri: d, node: true },
          { uri: `${d}/PkgID`, data: p.scomoPkgId },
          { uri: `${d}/Name`, data: p.scomoName },
          { uri: `${d}/PkgURL`, data: url },
          { uri: `${d}/Description`, data: `${p.scomoName} ${p.pkgVersion}` },
        ),
        exec(`${d}/Operations/DownloadInstall`, ctx.newCorrelator('scomo')),
      ];
    }
    return [];
  },
};

const getDevDetail: Scenario = {
  name: 'get-devdetail',
  next(ctx) {
    if (ctx.step !== 0) return [];
    return [
      get('./DevDetail/FwV', './DevDetail/SwV', './DevDetail/HwV', './DevDetail/DevTyp', './DevDetail/OEM', './DevDetail/LrgObj'),
      get('./DevDetail'),
    ];
  },
};

const atomicScenario: Scenario = {
  name: 'atomic',
  next(ctx) {
    if (ctx.step !== 0) return [];
    const x = ctx.params.fumoUri;
    return [
      atomic(
        replace({ uri: `${x}/PkgName`, data: ctx.params.pkgName }),
        replace({ uri: `${x}/PkgVersion`, data: ctx.params.pkgVersion }),
      ),
    ];
  },
};

const uiAll: Scenario = {
  name: 'ui-all',
  next(ctx) {
    if (ctx.step !== 0) return [];
    return [
      uiAlert('1100', 'MINDT=1', 'Maintenance window starts at 02:00'),
      uiAlert('1101', 'MAXDT=30&DR=1', 'Allow the update?'),
      uiAlert('1102', 'MAXDT=30&DR=John+Doe&MAXLEN=20&IT=A&ET=T', 'Your name?'),
      uiAlert('1103', 'MAXDT=30&DR=2', 'Pick a time', ['Now', 'Tonight', 'Tomorrow']),
      uiAlert('1104', 'MAXDT=30&DR=1-2', 'Pick components', ['Firmware', 'Modem', 'Apps']),
    ];
  },
};

/** A value of `size` printable bytes, deterministic so tests can compare what the client stored. */
export function largeValue(size: number): string {
  let s = '';
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  for (let i = 0; i < size; i++) s += alphabet[(i * 7 + (i >> 6)) % alphabet.length];
  return s;
}

const largeObject: Scenario = {
  name: 'large-object',
  next(ctx) {
    // Step 0: a Replace bigger than one message (the session splits it into MoreData chunks, docs/protocol.md §1.10).
    // Step 1: a Get whose Results may come back chunked from the client.
    if (ctx.step === 0) return [replace({ uri: ctx.params.largeTarget, data: largeValue(ctx.params.largeSize), format: 'chr' })];
    if (ctx.step === 1) return [get(ctx.params.largeGet)];
    return [];
  },
};

const reject500: Scenario = {
  name: 'reject-500',
  requestStatus: () => 500,
  next: () => [],
};

/** Misbehaving: answers every package with another command, forever (the client must cap its messages). */
const loop: Scenario = {
  name: 'loop',
  next: () => [get('./DevInfo/Mod')],
};

/** Misbehaving: never sends Final, so the client's package can never be completed. */
const noFinal: Scenario = {
  name: 'no-final',
  final: false,
  next: (ctx) => (ctx.step === 0 ? [get('./DevInfo/Mod')] : []),
};

export const SCENARIOS: Record<string, Scenario> = {};
for (const s of [acceptLater, fumo200, fumoFollowUp(), fumo200Confirm, scomo200, getDevDetail, atomicScenario, uiAll, largeObject, reject500, loop, noFinal, tndsScenario, fumoPkgData, scomoPkgData])
  SCENARIOS[s.name] = s;
SCENARIOS[treeLife.name] = treeLife;

export function scenarioNames(): string[] {
  return Object.keys(SCENARIOS);
}

/** A scenario from its name, an object, or a bare function (tests script their own). */
export function resolveScenario(s: string | Scenario | ScenarioFn): Scenario {
  if (typeof s === 'function') return { name: s.name || 'custom', next: s };
  if (typeof s === 'string') {
    const found = SCENARIOS[s];
    if (!found) throw new ServerConfigError(`unknown scenario "${s}"; known: ${scenarioNames().join(', ')}`);
    return found;
  }
  if (!s || typeof s.next !== 'function') throw new ServerConfigError('a scenario needs a next(ctx) function');
  return s;
}

// The reference server driven by hand-built client messages over real HTTP: docs/flows.md stories A (202), B (200 with
// UI alert, Replace, Exec and a later result report), the confirm variant, SCOMO (C), and the checks it makes.
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert, Command, Exec, ItemCommand, Status } from '../src/syncml/model.js';
import { startDmServer, type DmServer } from '../scripts/server/dm-server.js';
import { commandsOf, genericAlert, statusFor, TestClient } from '../scripts/server/test-client.js';
import type { Encoding } from '../scripts/server/types.js';
import { allowViolations } from './support/conformance.js';

allowViolations('server unit tests: a hand-driven client sends wrong messages on purpose to see each violation recorded');

const DEVREQ = 'org.openmobilealliance.dm.firmwareupdate.devicerequest';
const USERREQ = 'org.openmobilealliance.dm.firmwareupdate.userrequest';
const DAU = 'org.openmobilealliance.dm.firmwareupdate.downloadandupdate';

let server: DmServer | undefined;
afterEach(async () => {
  if (server) await server.close();
  server = undefined;
});

function code(s: Status | undefined): number {
  return s ? parseInt(s.data, 10) : -1;
}

describe.each<Encoding>(['xml', 'wbxml'])('story A, accept-202 (%s)', (enc) => {
  it('answers 212/200 statuses, 202 for the request, no commands, Final, and ends the session', async () => {
    server = await startDmServer({ scenario: 'accept-202' });
    const c = new TestClient(server.url, 'IMEI:1', '2F1', enc);
    const { reply, headers } = await c.pkg1([genericAlert(DEVREQ, '', { source: './FUMO' })]);
    expect(headers.get('content-type')).toBe(enc === 'xml' ? 'application/vnd.syncml.dm+xml' : 'application/vnd.syncml.dm+wbxml');
    expect(reply.final).toBe(true);
    expect(reply.hdr.sessionID).toBe('2F1');
    expect(reply.hdr.target.locURI).toBe('IMEI:1');
    const hdr = statusFor(reply, '0') as Status;
    expect(hdr.cmd).toBe('SyncHdr');
    expect(hdr.msgRef).toBe('1');
    expect(hdr.targetRefs).toEqual([server.url]);
    expect(hdr.sourceRefs).toEqual(['IMEI:1']);
    expect(code(hdr)).toBe(200);
    expect(code(statusFor(reply, '1'))).toBe(200); // Alert 1201
    expect(code(statusFor(reply, '2'))).toBe(202); // Generic Alert: will look later (seed 000)
    expect(code(statusFor(reply, '3'))).toBe(200); // Replace DevInfo
    expect(commandsOf(reply)).toEqual([]);
    expect(server.events.genericAlerts).toHaveLength(1);
    expect(server.events.genericAlerts[0]).toMatchObject({ type: DEVREQ, source: './FUMO', data: '', status: 202, isReport: false });
    expect(server.events.sessions[0]).toMatchObject({ endReason: 'completed', initiation: '1201' });
    expect(server.events.sessions[0].devInfo).toMatchObject({ DevId: 'IMEI:1', Man: 'Example Gateways', Lang: 'en-US' });
    expect(server.events.violations).toEqual([]);
  });
});

describe('story B, fumo-200', () => {
  it('commands the update with UI alert, Replace and Exec; then records one result report', async () => {
    server = await startDmServer({ scenario: 'fumo-200', files: { 'fw.bin': new Uint8Array(1000).fill(7) } });
    const c = new TestClient(server.url, 'IMEI:2', '10', 'wbxml');
    const pkg2 = (await c.pkg1([genericAlert(USERREQ, '', { source: './FUMO/fw1' })])).reply;
    expect(code(statusFor(pkg2, '2'))).toBe(200);
    expect(pkg2.final).toBe(true);
    const cmds = commandsOf(pkg2);
    expect(cmds.map((x) => x.kind)).toEqual(['Alert', 'Replace', 'Exec']);
    expect((cmds[0] as Alert).data).toBe('1100');
    const rep = cmds[1] as ItemCommand;
    expect(rep.items.map((i) => i.target && i.target.locURI)).toEqual([
      './FUMO/fw1/DownloadAndUpdate/PkgURL',
      './FUMO/fw1/PkgName',
      './FUMO/fw1/PkgVersion',
      './FUMO/fw1/Ext/PkgSHA256', // no descriptor: the image's SHA-256 for an agent that requires one
    ]);
    expect(rep.items[0].data).toBe(`${server.baseUrl}/fw/fw.bin`);
    const ex = cmds[2] as Exec;
    expect(ex.items[0].target && ex.items[0].target.locURI).toBe('./FUMO/fw1/DownloadAndUpdate');
    expect(ex.correlator).toMatch(/^fumo-/);
    // CmdIDs unique within the message (docs/protocol.md §1.4)
    const ids = pkg2.body.map((x) => x.cmdID);
    expect(new Set(ids).size).toBe(ids.length);

    const pkg4 = (await c.send(c.statuses(pkg2, (x) => (x.kind === 'Exec' ? 202 : 200)))).reply;
    expect(commandsOf(pkg4)).toEqual([]);
    expect(pkg4.final).toBe(true);
    expect(server.events.execs).toMatchObject([{ correlator: ex.correlator, status: 202, target: './FUMO/fw1/DownloadAndUpdate' }]);
    expect(server.events.statuses.map((s) => [s.cmd, s.code])).toEqual([
      ['Alert', 200],
      ['Replace', 200],
      ['Exec', 202],
    ]);
    expect(server.events.sessions[0].endReason).toBe('completed');
    expect(server.events.sessions[0].serverHdrStatuses).toEqual([200]);

    // The report comes in a new session after the reboot (FLOWS B).
    const report = () =>
      genericAlert(DAU, '200', { source: './FUMO/fw1/DownloadAndUpdate', format: 'int', correlator: ex.correlator });
    const r1 = (await new TestClient(server.url, 'IMEI:2', '11', 'wbxml').pkg1([report()])).reply;
    expect(code(statusFor(r1, '2'))).toBe(200);
    expect(commandsOf(r1)).toEqual([]); // a report alone does not start another update
    expect(server.events.reports).toHaveLength(1);
    expect(server.events.reports[0]).toMatchObject({ kind: 'fumo', resultCode: 200, correlator: ex.correlator, occurrence: 1, duplicate: false });
    await new TestClient(server.url, 'IMEI:2', '12', 'wbxml').pkg1([report()]);
    expect(server.events.reports[1]).toMatchObject({ occurrence: 2, duplicate: true });
    expect(server.events.violations).toEqual([]);
  });

  it('points PkgURL at the OMA DL descriptor when asked', async () => {
    server = await startDmServer({ scenario: 'fumo-200', files: { 'fw.bin': new Uint8Array(10) }, params: { useDescriptor: true } });
    const pkg2 = (await new TestClient(server.url, 'IMEI:3', '1').pkg1([genericAlert(DEVREQ, '')])).reply;
    const rep = commandsOf(pkg2)[1] as ItemCommand;
    expect(rep.items[0].target && rep.items[0].target.locURI).toBe('./FUMO/DownloadAndUpdate/PkgURL');
    expect(rep.items[0].data).toBe(`${server.baseUrl}/dd/fw.bin`);
  });

  it('records a missing Status for one of its commands as a violation', async () => {
    server = await startDmServer({ scenario: 'fumo-200' });
    const c = new TestClient(server.url, 'IMEI:4', '1');
    const pkg2 = (await c.pkg1([genericAlert(DEVREQ, '')])).reply;
    await c.send(c.statuses(pkg2, (x) => (x.kind === 'Exec' ? undefined : 200)));
    expect(server.events.violations.map((v) => v.code)).toEqual(['missing-status']);
    expect(server.events.violations[0].message).toContain('Exec');
  });
});

describe('fumo-200-confirm', () => {
  for (const [answer, expectExec] of [
    [200, true],
    [304, false],
  ] as const) {
    it(`user answers ${answer}: ${expectExec ? 'Exec follows' : 'no Exec'}`, async () => {
      server = await startDmServer({ scenario: 'fumo-200-confirm' });
      const c = new TestClient(server.url, 'IMEI:5', '1');
      const pkg2 = (await c.pkg1([genericAlert(USERREQ, '')])).reply;
      expect(commandsOf(pkg2).map((x) => [(x as Alert).kind, (x as Alert).data])).toEqual([['Alert', '1101']]);
      const pkg4 = (await c.send(c.statuses(pkg2, () => answer))).reply;
      expect(commandsOf(pkg4).map((x) => x.kind)).toEqual(expectExec ? ['Replace', 'Exec'] : []);
      expect(server.events.execs).toHaveLength(expectExec ? 1 : 0);
    });
  }
});

describe('story C, scomo-200', () => {
  it('Gets the component, then Adds the download package and Execs DownloadInstall', async () => {
    server = await startDmServer({ scenario: 'scomo-200', files: { 'app.deb': new Uint8Array(5) } });
    const c = new TestClient(server.url, 'IMEI:6', '1');
    const comp = './SCOMO/Inventory/Deployed/c1';
    const pkg2 = (await c.pkg1([genericAlert('urn:oma:at:scomo:1.1:UpdateUserRequest', '', { source: comp })])).reply;
    const getCmd = commandsOf(pkg2)[0] as ItemCommand;
    expect(getCmd.kind).toBe('Get');
    expect(getCmd.items[0].target && getCmd.items[0].target.locURI).toBe(`${comp}?list=StructData`);
    const results = c.results(pkg2, getCmd, [
      { source: { locURI: `${comp}/ID` }, data: 'com.example.app' },
      { source: { locURI: `${comp}/Version` }, data: '1.0' },
    ]);
    const pkg4 = (await c.send([...c.statuses(pkg2), results])).reply;
    expect(server.events.results).toHaveLength(1);
    expect(server.events.results[0].items.map((i) => i.data)).toEqual(['com.example.app', '1.0']);
    const [addCmd, execCmd] = commandsOf(pkg4) as [ItemCommand, Exec];
    expect(addCmd.kind).toBe('Add');
    expect(addCmd.items.map((i) => i.target && i.target.locURI)).toEqual([
      './SCOMO/Download/pkg1',
      './SCOMO/Download/pkg1/PkgID',
      './SCOMO/Download/pkg1/Name',
      './SCOMO/Download/pkg1/PkgURL',
      './SCOMO/Download/pkg1/Description',
    ]);
    expect(addCmd.items[0].meta).toEqual({ format: 'node' });
    expect(addCmd.items[3].data).toBe(`${server.baseUrl}/fw/app.deb`);
    expect(execCmd.items[0].target && execCmd.items[0].target.locURI).toBe('./SCOMO/Download/pkg1/Operations/DownloadInstall');
    const pkg6 = (await c.send(c.statuses(pkg4, (x) => (x.kind === 'Exec' ? 202 : 200)))).reply;
    expect(commandsOf(pkg6)).toEqual([]);
    // OperationComplete report in a later session (docs/protocol.md §6.4)
    const data = '<ResultCode>1200</ResultCode><Identifier>com.example.app</Identifier>';
    await new TestClient(server.url, 'IMEI:6', '2').pkg1([
      genericAlert('urn:oma:at:scomo:1.0:OperationComplete', data, {
        source: './SCOMO/Download/pkg1/Operations/DownloadInstall',
        target: comp,
        format: 'xml',
        correlator: execCmd.correlator,
      }),
    ]);
    expect(server.events.reports).toMatchObject([{ kind: 'scomo', resultCode: 1200, identifier: 'com.example.app', occurrence: 1 }]);
    expect(server.events.violations).toEqual([]);
  });
});

describe('other scenarios and checks', () => {
  it('reject-500 answers the Generic Alert with 500', async () => {
    server = await startDmServer({ scenario: 'reject-500' });
    const { reply } = await new TestClient(server.url, 'IMEI:7', '1').pkg1([genericAlert(DEVREQ, '')]);
    expect(code(statusFor(reply, '2'))).toBe(500);
  });

  it('answers a Generic Alert without Data with 412 and records the violation (FLOWS E)', async () => {
    server = await startDmServer();
    const a = genericAlert(DEVREQ, '');
    delete a.items[0].data;
    const { reply } = await new TestClient(server.url, 'IMEI:8', '1').pkg1([a]);
    expect(code(statusFor(reply, '2'))).toBe(412);
    expect(server.events.violations.map((v) => v.code)).toContain('generic-alert-fields');
  });

  it('get-devdetail, atomic and ui-all send the commands they promise', async () => {
    server = await startDmServer({ scenario: 'get-devdetail' });
    let r = (await new TestClient(server.url, 'IMEI:9', '1').pkg1([])).reply;
    const gets = commandsOf(r) as ItemCommand[];
    expect(gets.map((g) => g.kind)).toEqual(['Get', 'Get']);
    expect(gets[0].items.map((i) => i.target && i.target.locURI)).toContain('./DevDetail/FwV');
    server.setScenario('atomic');
    r = (await new TestClient(server.url, 'IMEI:9', '2').pkg1([])).reply;
    const at = commandsOf(r)[0];
    expect(at.kind).toBe('Atomic');
    expect(at.kind === 'Atomic' && at.commands.map((x) => x.kind)).toEqual(['Replace', 'Replace']);
    // nested commands are numbered too, all distinct
    const ids = [at.cmdID, ...(at.kind === 'Atomic' ? at.commands.map((x) => x.cmdID) : [])];
    expect(new Set(ids).size).toBe(3);
    server.setScenario('ui-all');
    r = (await new TestClient(server.url, 'IMEI:9', '3').pkg1([])).reply;
    expect(commandsOf(r).map((x) => (x as Alert).data)).toEqual(['1100', '1101', '1102', '1103', '1104']);
    const multi = commandsOf(r)[4] as Alert;
    expect(multi.items.map((i) => i.data)).toEqual(['MAXDT=30&DR=1-2', 'Pick components', 'Firmware', 'Modem', 'Apps']);
  });

  it('a scenario can be a plain function, and chosen per device', async () => {
    const seen: number[] = [];
    server = await startDmServer();
    server.setScenario((ctx) => {
      seen.push(ctx.step);
      return ctx.step === 0 ? [{ kind: 'Get', cmdID: '', items: [{ target: { locURI: './DevInfo/Mod' } }] }] : [];
    }, 'IMEI:custom');
    const c = new TestClient(server.url, 'IMEI:custom', '1');
    const pkg2 = (await c.pkg1([])).reply;
    expect(commandsOf(pkg2).map((x) => x.kind)).toEqual(['Get']);
    const other = (await new TestClient(server.url, 'IMEI:other', '1').pkg1([genericAlert(DEVREQ, '')])).reply;
    expect(code(statusFor(other, '2'))).toBe(202); // default accept-202 for everyone else
    const getCmd = commandsOf(pkg2)[0];
    await c.send([...c.statuses(pkg2), c.results(pkg2, getCmd, [{ source: { locURI: './DevInfo/Mod' }, data: 'GW-1' }])]);
    expect(seen).toEqual([0, 1]);
  });

  it('records MsgID and RespURI misuse, and messages after the session ended', async () => {
    server = await startDmServer({ scenario: 'fumo-200' });
    const c = new TestClient(server.url, 'IMEI:10', '1');
    const pkg2 = (await c.pkg1([genericAlert(DEVREQ, '')])).reply;
    expect(pkg2.hdr.respURI).toMatch(new RegExp(`^${server.baseUrl}/dm/s/[0-9a-f]+$`));
    c.msgId++; // skip one MsgID
    await c.send(c.statuses(pkg2), { path: '/dm' });
    const codes = server.events.violations.map((v) => v.code);
    expect(codes).toContain('msgid-order');
    expect(codes).toContain('respuri-ignored');
    const done = server.events.violations.length;
    await c.send(c.statuses(c.last as never));
    expect(server.events.violations.slice(done).map((v) => v.code)).toContain('message-after-end');
  });

  it('records order and numbering mistakes in the client body (docs/protocol.md §1.4, §1.9)', async () => {
    server = await startDmServer({ scenario: 'get-devdetail' });
    const c = new TestClient(server.url, 'IMEI:15', '1');
    const pkg2 = (await c.pkg1([])).reply;
    const [g1, g2] = commandsOf(pkg2);
    const st = c.statuses(pkg2);
    // Results of the first Get before any Status, SyncHdr status not first, one item without Source, CmdID 1 twice
    const body: Command[] = [
      c.results(pkg2, g1, [{ source: { locURI: './DevDetail/FwV' }, data: '1.0' }]),
      ...st,
      c.results(pkg2, g2, [{ data: 'URI/DevTyp' }]),
    ];
    body.forEach((x, i) => (x.cmdID = String(i === body.length - 1 ? 1 : i + 1)));
    await c.send(body, { keepCmdIds: true });
    const codes = server.events.violations.map((v) => v.code);
    expect(codes).toEqual(['cmdid-duplicate', 'hdr-status-not-first', 'results-order', 'results-no-source']);
  });

  it('records a client Final sent while our package was still open', async () => {
    server = await startDmServer({ scenario: 'no-final' });
    const c = new TestClient(server.url, 'IMEI:16', '1');
    const pkg2 = (await c.pkg1([])).reply;
    await c.send([...c.statuses(pkg2), c.results(pkg2, commandsOf(pkg2)[0], [{ source: { locURI: './DevInfo/Mod' }, data: 'x' }])]);
    expect(server.events.violations.map((v) => v.code)).toEqual(['final-too-early']);
  });

  it('caps a session that never ends with Alert 1223 (loop scenario)', async () => {
    server = await startDmServer({ scenario: 'loop', maxMessagesPerSession: 4 });
    const c = new TestClient(server.url, 'IMEI:11', '1');
    let reply = (await c.pkg1([])).reply;
    for (let i = 0; i < 3; i++) {
      expect(commandsOf(reply).map((x) => x.kind)).toEqual(['Get']);
      const g = commandsOf(reply)[0];
      reply = (await c.send([...c.statuses(reply), c.results(reply, g, [{ source: { locURI: './DevInfo/Mod' }, data: 'x' }])])).reply;
    }
    expect(commandsOf(reply).map((x) => [(x as Alert).kind, (x as Alert).data])).toEqual([['Alert', '1223']]);
    expect(reply.final).toBe(true);
    expect(server.events.sessions[0].endReason).toBe('capped');
  });

  it('no-final never sends Final and answers with Alert 1222', async () => {
    server = await startDmServer({ scenario: 'no-final' });
    const c = new TestClient(server.url, 'IMEI:12', '1');
    const pkg2 = (await c.pkg1([])).reply;
    expect(pkg2.final).toBe(false);
    const g = commandsOf(pkg2)[0];
    const next = (await c.send([...c.statuses(pkg2), c.results(pkg2, g, [{ source: { locURI: './DevInfo/Mod' }, data: 'x' }])], { final: false })).reply;
    expect(next.final).toBe(false);
    expect(commandsOf(next).map((x) => (x as Alert).data)).toEqual(['1222']);
    expect(server.events.sessions[0].endedAt).toBeUndefined();
  });

  it('answers a client abort (1223) with SyncHdr and Alert statuses only', async () => {
    server = await startDmServer({ scenario: 'fumo-200' });
    const c = new TestClient(server.url, 'IMEI:13', '1');
    const pkg2 = (await c.pkg1([genericAlert(DEVREQ, '')])).reply;
    const abort: Command = { kind: 'Alert', cmdID: '', data: '1223', items: [] };
    const r = (await c.send([...c.statuses(pkg2), abort])).reply;
    expect(r.body.every((x) => x.kind === 'Status')).toBe(true);
    expect(r.body.map((x) => (x as Status).cmd)).toEqual(['SyncHdr', 'Alert']);
    expect(server.events.sessions[0].endReason).toBe('client-abort');
  });

  it('serves its records as JSON on GET /admin/state and switches scenario on POST /admin/scenario', async () => {
    server = await startDmServer();
    await new TestClient(server.url, 'IMEI:14', '1').pkg1([genericAlert(DEVREQ, '')]);
    const st = (await (await fetch(`${server.baseUrl}/admin/state`)).json()) as { scenario: string; genericAlerts: Array<{ type: string }>; messages: unknown[] };
    expect(st.scenario).toBe('accept-202');
    expect(st.genericAlerts[0].type).toBe(DEVREQ);
    expect(st.messages).toHaveLength(2);
    const res = await fetch(`${server.baseUrl}/admin/scenario`, { method: 'POST', body: JSON.stringify({ name: 'reject-500' }) });
    expect(res.status).toBe(200);
    const { reply } = await new TestClient(server.url, 'IMEI:14', '2').pkg1([genericAlert(DEVREQ, '')]);
    expect(code(statusFor(reply, '2'))).toBe(500);
    const bad = await fetch(`${server.baseUrl}/admin/scenario`, { method: 'POST', body: JSON.stringify({ name: 'nope' }) });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('unknown scenario "nope"');
  });

  it('records a wrong Content-Type but answers in the encoding it sniffed', async () => {
    server = await startDmServer();
    const { encodeWbxml } = await import('../src/syncml/index.js');
    const c = new TestClient(server.url, 'IMEI:ct', '1', 'wbxml');
    const pkg = (await c.pkg1([])).sent;
    pkg.hdr.sessionID = '2';
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: encodeWbxml(pkg) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.syncml.dm+wbxml');
    expect(server.events.violations.map((v) => v.code)).toEqual(['content-type']);
  });

  it('answers an undecodable body with HTTP 400 and records it', async () => {
    server = await startDmServer();
    const res = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/vnd.syncml.dm+xml' }, body: '<SyncML><Foo/>' });
    expect(res.status).toBe(400);
    expect(server.events.violations[0].code).toBe('undecodable');
  });
});

describe('DM fault knobs', () => {
  it('drop-response records the message but loses the answer; the retry counts as a duplicate', async () => {
    server = await startDmServer();
    server.setDmFault({ mode: 'drop-response', devId: 'IMEI:F' });
    const report = genericAlert(DAU, '200', { source: './FUMO/DownloadAndUpdate', format: 'int', correlator: 'c1' });
    await expect(new TestClient(server.url, 'IMEI:F', '1').pkg1([report])).rejects.toThrow();
    expect(server.events.reports).toMatchObject([{ occurrence: 1 }]);
    const again = genericAlert(DAU, '200', { source: './FUMO/DownloadAndUpdate', format: 'int', correlator: 'c1' });
    const { reply } = await new TestClient(server.url, 'IMEI:F', '2').pkg1([again]);
    expect(code(statusFor(reply, '2'))).toBe(200);
    expect(server.events.reports.map((r) => [r.occurrence, r.duplicate])).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it('http-error answers 503 without processing, then works again; delay slows one answer', async () => {
    server = await startDmServer();
    server.setDmFault({ mode: 'http-error' });
    await expect(new TestClient(server.url, 'IMEI:G', '1').pkg1([])).rejects.toThrow('server answered HTTP 503');
    expect(server.events.messages).toHaveLength(0);
    server.setDmFault({ mode: 'delay', delayMs: 80 });
    const t0 = Date.now();
    await new TestClient(server.url, 'IMEI:G', '2').pkg1([]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(75);
    expect(() => server!.setDmFault({ mode: 'boom' as never })).toThrow('DM fault mode must be');
  });

  it('waitFor resolves when the events match and names what it waited for on timeout', async () => {
    server = await startDmServer();
    const waiting = server.waitFor((e) => e.genericAlerts.length === 1, 2000, 'one alert');
    await new TestClient(server.url, 'IMEI:W', '1').pkg1([genericAlert(DEVREQ, '')]);
    await waiting;
    await expect(server.waitFor((e) => e.reports.length > 0, 50, 'a report')).rejects.toThrow('dm-server: a report not reached within 50 ms');
  });
});

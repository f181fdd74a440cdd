// Command-line parsing and configuration validation: the stable contract of README.md (Command line and configuration).
import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError, HELP, EXIT } from '../src/cli/args.js';
import { ConfigError, parseConfig, parseConfigText, configSecrets } from '../src/config.js';
import { buildUpdateRequest, classifyAnswer, fumoNodeUri, RequestError } from '../src/alerts/update-request.js';

describe('command line', () => {
  it('parses global options before the command and command options after it', () => {
    const a = parseArgs(['--config', 'c.json', '--state-dir', '/tmp/s', '--json', 'request', '--user', '--fumo', 'fw1', '--data', 'x y', '--xml']);
    expect(a.global).toMatchObject({ config: 'c.json', stateDir: '/tmp/s', json: true });
    expect(a.command).toBe('request');
    expect(a.options).toEqual({ user: true, fumo: 'fw1', data: 'x y', xml: true });
  });
  it('accepts --json after the command too, and --opt=value', () => {
    const a = parseArgs(['request', '--device', '--component=modem', '--json']);
    expect(a.global.json).toBe(true);
    expect(a.options).toEqual({ device: true, component: 'modem' });
  });
  it('rejects unknown commands and options with a message that names them', () => {
    expect(() => parseArgs(['frobnicate'])).toThrow(/unknown command "frobnicate"/);
    expect(() => parseArgs(['request', '--bogus'])).toThrow(/unknown option --bogus for request/);
    expect(() => parseArgs(['request', '--fumo'])).toThrow(/--fumo needs a value/);
    expect(() => parseArgs(['--nope'])).toThrow(UsageError);
  });
  it('documents every exit code in --help', () => {
    for (const code of Object.values(EXIT)) expect(HELP).toMatch(new RegExp(`^  ${code}  `, 'm'));
  });
});

describe('configuration', () => {
  it('fills defaults for an empty object', () => {
    const c = parseConfig({});
    expect(c.server).toMatchObject({ url: '', encoding: 'wbxml', clientAuth: { type: 'none' }, serverAuth: { type: 'none' }, followRedirects: false });
    expect(c.stateDir).toBe('/var/lib/dm-agent');
  });
  it('server.maxResponseBytes defaults to maxMsgSize and may not go below it', () => {
    expect(parseConfig({}).server).toMatchObject({ maxMsgSize: 16384, maxResponseBytes: 16384 });
    expect(parseConfig({ server: { maxMsgSize: 30000 } }).server.maxResponseBytes).toBe(30000);
    expect(parseConfig({ server: { maxMsgSize: 30000, maxResponseBytes: 65536 } }).server.maxResponseBytes).toBe(65536);
    expect(() => parseConfig({ server: { maxMsgSize: 30000, maxResponseBytes: 20000 } })).toThrow(/server\.maxResponseBytes: must be at least server\.maxMsgSize \(30000\), got 20000/);
    expect(() => parseConfig({ server: { maxResponseBytes: 128 * 1024 * 1024 } })).toThrow(/server\.maxResponseBytes: must be between/);
  });
  it('keeps the contract keys', () => {
    const c = parseConfig({
      server: { url: 'https://dm.example.com/dm', id: 'srv1', clientAuth: { type: 'md5', name: 'dev', secret: 's3' }, serverAuth: { type: 'hmac', name: 'srv', secret: 's4' } },
      stateDir: '/data/dm',
    });
    expect(c.server.url).toBe('https://dm.example.com/dm');
    expect(c.server.clientAuth).toEqual({ type: 'md5', name: 'dev', secret: 's3' });
    expect(c.server.serverAuth.type).toBe('hmac');
    expect(configSecrets(c)).toEqual(['s3', 's4']);
  });
  it('names the offending key in every error', () => {
    const cases: Array<[unknown, RegExp]> = [
      [[], /\(root\): must be a JSON object/],
      [{ server: 5 }, /server: must be an object/],
      [{ server: { url: 'ftp://x' } }, /server\.url: must be an http/],
      [{ server: { url: 'http://u:p@x/dm' } }, /server\.url: must not carry credentials/],
      [{ server: { clientAuth: { type: 'kerberos' } } }, /server\.clientAuth\.type: must be one of none, basic, md5, hmac/],
      [{ server: { clientAuth: { type: 'md5' } } }, /server\.clientAuth\.name: is required when type is md5/],
      [{ server: { maxMsgSize: 10 } }, /server\.maxMsgSize: must be between 512/],
      [{ server: { timeoutMs: '5' } }, /server\.timeoutMs: must be an integer/],
      [{ serverr: {} }, /serverr: unknown key/],
      [{ server: { tls: { cafile: 'x' } } }, /server\.tls\.cafile: unknown key/],
      [{ log: { level: 'loud' } }, /log\.level: must be debug/],
    ];
    for (const [input, re] of cases) expect(() => parseConfig(input)).toThrow(re);
    expect(() => parseConfigText('{"server": ')).toThrow(ConfigError);
    expect(() => parseConfigText('{"server": ')).toThrow(/not valid JSON/);
  });
  it('command-line overrides win over the file', () => {
    const c = parseConfig({ server: { url: 'http://a/dm' }, stateDir: '/x' }, { stateDir: '/y', serverUrl: 'http://b/dm' });
    expect(c.server.url).toBe('http://b/dm');
    expect(c.stateDir).toBe('/y');
    expect(() => parseConfig({}, { serverUrl: 'nope' })).toThrow(/--server: must be an http/);
  });
});

describe('client-initiated update requests (seeds 000 and 003)', () => {
  it('FUMO device and user requests, with and without a FUMO node', () => {
    expect(buildUpdateRequest('device', { kind: 'fumo' })).toEqual({ type: 'org.openmobilealliance.dm.firmwareupdate.devicerequest', format: 'chr', data: '' });
    expect(buildUpdateRequest('user', { kind: 'fumo', node: './FUMO/fw1' }, { data: 'v=2', mark: 'critical' })).toEqual({
      type: 'org.openmobilealliance.dm.firmwareupdate.userrequest',
      format: 'chr',
      data: 'v=2',
      sourceUri: './FUMO/fw1',
      mark: 'critical',
    });
    expect(fumoNodeUri('fw1')).toBe('./FUMO/fw1');
    expect(fumoNodeUri('./FwUpdate/pkg')).toBe('./FwUpdate/pkg');
  });
  it('SCOMO 1.1 requests: Source only for a deployed component, Data always present', () => {
    expect(buildUpdateRequest('device', { kind: 'scomo' })).toEqual({ type: 'urn:oma:at:scomo:1.1:UpdateDeviceRequest', format: 'chr', data: '' });
    expect(buildUpdateRequest('user', { kind: 'scomo', componentUri: './SCOMO/Inventory/Deployed/c1' }).sourceUri).toBe('./SCOMO/Inventory/Deployed/c1');
    for (const bad of ['./SCOMO/Download/p1', './SCOMO/Inventory/Deployed', './SCOMO/Inventory/Deployed/a/b', './SCOMO/Inventory/Delivered/x', 'SCOMO/Inventory/Deployed/x']) {
      expect(() => buildUpdateRequest('user', { kind: 'scomo', componentUri: bad })).toThrow(RequestError);
    }
  });
  it('classifies the server answer as the seeds define it', () => {
    expect(classifyAnswer(200)).toBe('will-update');
    expect(classifyAnswer(202)).toBe('accepted');
    expect(classifyAnswer(500)).toBe('refused');
    expect(classifyAnswer(undefined)).toBe('no-status');
  });
});

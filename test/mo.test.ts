import { describe, expect, it } from 'vitest';
import {
  cachedFacts,
  devInfoItems,
  findAccountUri,
  fromAAuthType,
  installStandardObjects,
  listServerIds,
  mountDevDetail,
  mountDevInfo,
  provisionDmAcc,
  readAccount,
  storeNonce,
  urlPort,
  type DmAccConfig,
} from '../src/mo/index.js';
import type { DeviceFacts, DeviceInfoReader } from '../src/ports/runtime.js';
import { DurableStore } from '../src/state/durable-store.js';
import { MemoryStorage } from '../src/state/memory-storage.js';
import { DmTree } from '../src/tree/dm-tree.js';

const FACTS: DeviceFacts = {
  devId: 'MAC:B827EB000001',
  manufacturer: 'Acme',
  model: 'GW-100',
  oem: 'Acme OEM',
  devType: 'gateway',
  firmwareVersion: '2.4.1',
  softwareVersion: 'Gateway Linux 5.2',
  hardwareVersion: 'rev B',
  lang: 'en-US',
};

function countingReader(facts: DeviceFacts = FACTS): DeviceInfoReader & { reads: number } {
  const r = {
    reads: 0,
    async read() {
      r.reads++;
      return { ...facts };
    },
  };
  return r;
}

const CONFIG: DmAccConfig = {
  server: {
    url: 'https://dm.example.com:8443/dm',
    id: 'acme-dm',
    clientAuth: { type: 'md5', name: 'gw-1', secret: 'client-pw' },
    serverAuth: { type: 'hmac', name: 'acme-dm', secret: 'server-pw' },
  },
};
const SRV = { serverId: 'acme-dm' };
const OTHER = { serverId: 'intruder' };

describe('DevInfo (docs/protocol.md §4.1)', () => {
  it('lists DevId/Man/Mod/DmV/Lang/Ext and answers each leaf from the facts, read once until invalidated', async () => {
    const tree = new DmTree();
    const reader = countingReader();
    const facts = cachedFacts(reader);
    mountDevInfo(tree, facts, { dmVersion: 'dm-agent 0.1' });
    expect((await tree.get('./DevInfo', SRV)).items[0]).toEqual({ uri: './DevInfo', format: 'node', data: 'DevId/Man/Mod/DmV/Lang/Ext' });
    expect((await tree.get('./DevInfo?prop=Type', SRV)).items[0].data).toBe('urn:oma:mo:oma-dm-devinfo:1.0');
    const sd = await tree.get('./DevInfo?list=StructData', OTHER);
    expect(sd.items.filter((i) => i.format === 'chr').map((i) => [i.uri, i.data])).toEqual([
      ['./DevInfo/DevId', 'MAC:B827EB000001'],
      ['./DevInfo/Man', 'Acme'],
      ['./DevInfo/Mod', 'GW-100'],
      ['./DevInfo/DmV', 'dm-agent 0.1'],
      ['./DevInfo/Lang', 'en-US'],
    ]);
    expect(reader.reads).toBe(1);
    facts.invalidate();
    await tree.get('./DevInfo/Man', SRV);
    expect(reader.reads).toBe(2);
  });

  it('is read-only for every server (405) and cannot be deleted', async () => {
    const tree = new DmTree();
    tree.ensureInterior('.', { acl: 'Add=*&Get=*&Replace=*&Delete=*' });
    mountDevInfo(tree, cachedFacts(countingReader()), { dmVersion: 'x' });
    expect(await tree.replace('./DevInfo/Man', { data: 'Evil' }, SRV)).toBe(405);
    expect(await tree.add('./DevInfo/New', { data: 'x' }, SRV)).toBe(405);
    expect(await tree.delete('./DevInfo/DevId', SRV)).toBe(405);
    expect(await tree.delete('./DevInfo', SRV)).toBe(405);
  });

  it('gives the package 1 Replace items', () => {
    expect(devInfoItems(FACTS, 'dm-agent 0.1').map((i) => `${i.uri}=${i.data}`)).toEqual([
      './DevInfo/DevId=MAC:B827EB000001',
      './DevInfo/Man=Acme',
      './DevInfo/Mod=GW-100',
      './DevInfo/DmV=dm-agent 0.1',
      './DevInfo/Lang=en-US',
    ]);
  });
});

describe('DevDetail (docs/protocol.md §4.2)', () => {
  it('reports versions from the facts, LrgObj as bool and the tree own URI limits', async () => {
    const tree = new DmTree({ limits: { maxDepth: 20, maxTotLen: 512, maxSegLen: 64 } });
    mountDevDetail(tree, cachedFacts(countingReader()), { largeObjects: true });
    const get = async (u: string) => (await tree.get('./DevDetail/' + u, SRV)).items[0];
    expect((await get('FwV')).data).toBe('2.4.1');
    expect((await get('SwV')).data).toBe('Gateway Linux 5.2');
    expect((await get('HwV')).data).toBe('rev B');
    expect((await get('OEM')).data).toBe('Acme OEM');
    expect((await get('DevTyp')).data).toBe('gateway');
    expect(await get('LrgObj')).toEqual({ uri: './DevDetail/LrgObj', format: 'bool', data: 'true' });
    expect([(await get('URI/MaxDepth')).data, (await get('URI/MaxTotLen')).data, (await get('URI/MaxSegLen')).data]).toEqual(['20', '512', '64']);
    expect((await tree.get('./DevDetail', SRV)).items[0].data).toBe('URI/DevTyp/OEM/FwV/SwV/HwV/LrgObj/Ext');
    // The limits it reports are the ones enforced.
    expect((await tree.get('./' + 'a/'.repeat(20) + 'b', SRV)).status).toBe(414);
  });
});

describe('DMAcc (docs/protocol.md §4.3, §3.4)', () => {
  it('builds the account from the configuration with the type mapping basic/md5/hmac -> BASIC/DIGEST/HMAC', async () => {
    const tree = new DmTree();
    const { uri, changed } = await provisionDmAcc(tree, CONFIG);
    expect([uri, changed]).toEqual(['./DMAcc/acme-dm', true]);
    const sd = await tree.get('./DMAcc/acme-dm?list=StructData', SRV);
    const values = Object.fromEntries(sd.items.filter((i) => i.format !== 'node').map((i) => [i.uri.replace('./DMAcc/acme-dm/', ''), i.data]));
    expect(values).toEqual({
      AppID: 'w7',
      ServerID: 'acme-dm',
      Name: 'acme-dm',
      'AppAddr/1/Addr': 'https://dm.example.com:8443/dm',
      'AppAddr/1/AddrType': 'URI',
      'AppAddr/1/Port/1/PortNbr': '8443',
      AAuthPref: 'DIGEST',
      'AppAuth/CLCRED/AAuthLevel': 'CLCRED',
      'AppAuth/CLCRED/AAuthType': 'DIGEST',
      'AppAuth/CLCRED/AAuthName': 'gw-1',
      'AppAuth/CLCRED/AAuthSecret': undefined, // listed, value withheld
      'AppAuth/SRVCRED/AAuthLevel': 'SRVCRED',
      'AppAuth/SRVCRED/AAuthType': 'HMAC',
      'AppAuth/SRVCRED/AAuthName': 'acme-dm',
      'AppAuth/SRVCRED/AAuthSecret': undefined,
    });
    expect((await tree.get('./DMAcc/acme-dm?prop=Type', SRV)).items[0].data).toBe('urn:oma:mo:oma-dm-dmacc:1.0');
    const basic = new DmTree();
    await provisionDmAcc(basic, { server: { ...CONFIG.server, clientAuth: { type: 'basic', name: 'n', secret: 's' }, serverAuth: { type: 'none' } } });
    expect((await basic.getValue('./DMAcc/acme-dm/AppAuth/CLCRED/AAuthType'))!.data).toBe('BASIC');
    expect(await basic.exists('./DMAcc/acme-dm/AppAuth/SRVCRED/AAuthType')).toBe(false);
  });

  it('refuses Get of AAuthSecret and AAuthData with 405 (access type), other servers with 425 (ACL)', async () => {
    const tree = new DmTree();
    await provisionDmAcc(tree, CONFIG);
    await storeNonce(tree, 'acme-dm', 'CLCRED', new Uint8Array([1, 2, 3]));
    expect((await tree.get('./DMAcc/acme-dm/AppAuth/CLCRED/AAuthSecret', SRV)).status).toBe(405);
    expect((await tree.get('./DMAcc/acme-dm/AppAuth/CLCRED/AAuthData', SRV)).status).toBe(405);
    expect((await tree.get('./DMAcc/acme-dm/AppAuth/CLCRED/AAuthName', OTHER)).status).toBe(425);
    expect((await tree.get('./DMAcc', OTHER)).status).toBe(200);
    // The owning server may rotate the secret; nobody may delete the account.
    expect(await tree.replace('./DMAcc/acme-dm/AppAuth/CLCRED/AAuthSecret', { data: 'rotated' }, SRV)).toBe(200);
    expect(await tree.replace('./DMAcc/acme-dm/AppAuth/CLCRED/AAuthSecret', { data: 'evil' }, OTHER)).toBe(425);
    expect(await tree.delete('./DMAcc/acme-dm', SRV)).toBe(425);
    expect((await readAccount(tree, 'acme-dm'))!.clientAuth.secret).toBe('rotated');
  });

  it('readAccount and storeNonce give the session engine typed credentials and durable nonces', async () => {
    const storage = new MemoryStorage();
    const tree = new DmTree({ store: new DurableStore(storage) });
    await provisionDmAcc(tree, CONFIG);
    expect(await readAccount(tree, 'nobody')).toBeNull();
    const before = await readAccount(tree, 'acme-dm');
    expect(before).toEqual({
      serverId: 'acme-dm',
      uri: './DMAcc/acme-dm',
      name: 'acme-dm',
      addr: 'https://dm.example.com:8443/dm',
      port: 8443,
      authPref: 'DIGEST',
      clientAuth: { type: 'md5', aauthType: 'DIGEST', name: 'gw-1', secret: 'client-pw', nonce: new Uint8Array(0) },
      serverAuth: { type: 'hmac', aauthType: 'HMAC', name: 'acme-dm', secret: 'server-pw', nonce: new Uint8Array(0) },
    });
    await storeNonce(tree, 'acme-dm', 'CLCRED', new Uint8Array([0x4e, 0x6f, 0x6e, 0x63, 0x65]));
    await storeNonce(tree, 'acme-dm', 'SRVCRED', new Uint8Array([9, 8, 7, 0, 255]));
    // storeNonce saved the tree: a fresh tree on the same storage sees the nonces.
    const again = new DmTree({ store: new DurableStore(storage) });
    await again.load();
    const after = (await readAccount(again, 'acme-dm'))!;
    expect(after.clientAuth.nonce).toEqual(new Uint8Array([0x4e, 0x6f, 0x6e, 0x63, 0x65]));
    expect(after.serverAuth.nonce).toEqual(new Uint8Array([9, 8, 7, 0, 255]));
    await expect(storeNonce(again, 'nobody', 'CLCRED', new Uint8Array(1))).rejects.toThrow(/nobody/);
  });

  it('re-provisioning keeps server-made changes and nonces unless the configuration changed', async () => {
    const tree = new DmTree();
    await provisionDmAcc(tree, CONFIG);
    await storeNonce(tree, 'acme-dm', 'CLCRED', new Uint8Array([7]));
    await tree.replace('./DMAcc/acme-dm/AppAuth/CLCRED/AAuthSecret', { data: 'rotated-by-server' }, SRV);
    expect((await provisionDmAcc(tree, CONFIG)).changed).toBe(false);
    expect((await readAccount(tree, 'acme-dm'))!.clientAuth.secret).toBe('rotated-by-server');
    const changedConfig = { server: { ...CONFIG.server, url: 'https://dm2.example.com/dm', clientAuth: { type: 'hmac' as const, name: 'gw-1', secret: 'new' } } };
    expect((await provisionDmAcc(tree, changedConfig)).changed).toBe(true);
    const acc = (await readAccount(tree, 'acme-dm'))!;
    expect([acc.addr, acc.port, acc.clientAuth.type, acc.clientAuth.secret]).toEqual(['https://dm2.example.com/dm', 443, 'hmac', 'new']);
    expect(acc.clientAuth.nonce).toEqual(new Uint8Array([7]));
    expect(await listServerIds(tree)).toEqual(['acme-dm']);
  });

  it('finds an account by ServerID whatever its node name (server-added accounts)', async () => {
    const tree = new DmTree();
    tree.setValue('./DMAcc/Srv_1/ServerID', { data: 'other-server' });
    tree.setValue('./DMAcc/Srv_1/AppAddr/x/Addr', { data: 'http://other/dm' });
    tree.setValue('./DMAcc/Srv_1/AppAuth/a/AAuthLevel', { data: 'CLCRED' });
    tree.setValue('./DMAcc/Srv_1/AppAuth/a/AAuthType', { data: 'BASIC' });
    expect(await findAccountUri(tree, 'other-server')).toBe('./DMAcc/Srv_1');
    const acc = (await readAccount(tree, 'other-server'))!;
    expect([acc.addr, acc.port, acc.clientAuth.type, acc.serverAuth.type]).toEqual(['http://other/dm', undefined, 'basic', 'none']);
  });

  it('validates the configuration with clear errors; maps types both ways', async () => {
    const tree = new DmTree();
    await expect(provisionDmAcc(tree, { server: { ...CONFIG.server, id: 'has space' } })).rejects.toThrow(/server.id/);
    await expect(provisionDmAcc(tree, { server: { ...CONFIG.server, url: 'ftp://x' } })).rejects.toThrow(/server.url/);
    await expect(provisionDmAcc(tree, { server: { ...CONFIG.server, clientAuth: { type: 'x509' as never } } })).rejects.toThrow(/clientAuth.type/);
    expect([fromAAuthType('BASIC'), fromAAuthType('digest'), fromAAuthType('HMAC'), fromAAuthType('X509')]).toEqual(['basic', 'md5', 'hmac', 'none']);
    expect([urlPort('http://a/x'), urlPort('https://a'), urlPort('http://[::1]:8080/')]).toEqual([80, 443, 8080]);
  });
});

describe('installStandardObjects', () => {
  it('mounts DevInfo and DevDetail, provisions DMAcc and saves once, surviving a reload', async () => {
    const storage = new MemoryStorage();
    const tree = new DmTree({ store: new DurableStore(storage) });
    await tree.load();
    await installStandardObjects(tree, countingReader(), CONFIG, { devInfo: { dmVersion: 'dm-agent 0.1' } });
    // docs/protocol.md §1.4: the child list is unordered
    expect(String((await tree.get('.', SRV)).items[0].data).split('/').sort()).toEqual(['DMAcc', 'DevDetail', 'DevInfo']);
    expect(storage.files.has('dm-tree')).toBe(true);
    const again = new DmTree({ store: new DurableStore(storage) });
    await again.load();
    await installStandardObjects(again, countingReader(), CONFIG, { devInfo: { dmVersion: 'dm-agent 0.1' } });
    expect((await again.get('./DevInfo/DevId', SRV)).items[0].data).toBe('MAC:B827EB000001');
    expect((await readAccount(again, 'acme-dm'))!.addr).toBe('https://dm.example.com:8443/dm');
  });
});

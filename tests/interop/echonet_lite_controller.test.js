// Interop: the npm package `echonet-lite` (2.x, by Hiroshi Sugimura) as the controller of the
// demo house served by `hemsrig serve` on loopback.
//
// How echonet-lite is set up here (read from its index.js, 2.16): it receives on
// 0.0.0.0:3610 (SO_REUSEADDR, joined to 224.0.23.0 on the default interface, which on loopback
// still hears our multicast since IP_MULTICAST_ALL is on) and sends every frame from a fresh
// socket bound to <v4>:23610 with IP_MULTICAST_IF <v4>. Options.v4 = '127.0.0.1' keeps all of
// it on `lo`. It drops frames from 127.0.0.1 and from its host's non-loopback addresses
// (ignoreMe, kept on: that drops its own multicast echo); the nodes live on 127.71.0.x, so
// their answers, which go back to 127.0.0.1:3610, get through.
//
// Run: tests/interop/npm_ci.sh once, then node tests/interop/echonet_lite_controller.test.js
// (HEMSRIG=path/to/hemsrig; default build/rig/hemsrig). CTest does both.
'use strict';

const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { describe, it, before, after } = require('node:test');

const serve = require('./lib/serve');
const { readPcapFrames } = require('./lib/pcap');
const { epcList, hex, NODE_PROFILE, CONTROLLER } = require('./lib/echonet');

const EL = require('echonet-lite');

const BASE_ADDRESS = process.env.HEMSRIG_INTEROP_BASE || '127.71.0.0';
const AIR_CONDITIONER = '0130';
const ESV = { SETC: '61', GET: '62', SET_RES: '71', GET_RES: '72', INF: '73', SETC_SNA: '51',
              GET_SNA: '52' };

describe('echonet-lite (npm) drives the demo house on loopback', { timeout: 150000 }, () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hemsrig-interop-el-'));
  process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
  const pcap = path.join(tmp, 'serve.pcap');
  let server = null;
  let nodes = [];            // endpoints serve announced
  const received = [];       // every frame echonet-lite handed us: {address, port, els}
  const parseErrors = [];    // frames echonet-lite could not parse (it calls back with an error)
  const pending = new Map(); // `${address}|${tid}` -> resolve
  const objects = new Map(); // `${address}|${eoj}` -> {address, eoj, maps}

  const fromNodes = () => received.filter((r) => nodes.some((n) => n.address === r.address));

  // One request, matched to its answer by source address and TID; bounded, retried twice.
  async function request(address, deoj, esv, details, { timeoutMs = 2000, tries = 3 } = {}) {
    for (let attempt = 1; attempt <= tries; ++attempt) {
      // The TID is known once sendDetails returns; the datagram leaves later, from the
      // callback of its socket's bind, so the answer cannot beat pending.set().
      const tid = await EL.sendDetails(address, CONTROLLER, deoj, esv, details);
      const key = `${address}|${hex(tid[0])}${hex(tid[1])}`;
      const answer = await new Promise((resolve) => {
        const timer = setTimeout(() => {
          pending.delete(key);
          resolve(null);
        }, timeoutMs);
        pending.set(key, (r) => {
          clearTimeout(timer);
          resolve(r);
        });
      });
      if (answer) return answer;
    }
    throw new Error(`no answer from ${address} ${deoj} to ESV ${esv} ${JSON.stringify(details)} ` +
                    `after ${tries} tries`);
  }

  before(async () => {
    const command = [serve.hemsrigBinary(), 'serve', serve.demoHouse(), '--base-address',
                     BASE_ADDRESS, '--pcap', pcap, '--for', '170s'];
    server = await serve.start(command);
    nodes = server.endpoints;
    await EL.initialize([CONTROLLER], (rinfo, els, error) => {
      if (error || !els) {
        parseErrors.push(`${rinfo.address}: ${error}`);
        return;
      }
      const r = { address: rinfo.address, port: rinfo.port, els, at: Date.now() };
      received.push(r);
      const resolve = pending.get(`${r.address}|${els.TID}`);
      if (resolve) {
        pending.delete(`${r.address}|${els.TID}`);
        resolve(r);
      }
    }, 4, { v4: '127.0.0.1', ignoreMe: true, autoGetProperties: true, autoGetDelay: 10,
            debugMode: false });
    await new Promise((resolve) => setTimeout(resolve, 200)); // its bind is asynchronous
  });

  after(async () => {
    EL.release();
    if (server) await server.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('serve announces the eight nodes of the demo house', () => {
    assert.equal(nodes.length, 8, server.output.join('\n'));
    for (const n of nodes) {
      assert.equal(n.port, 3610);
      assert.equal(n.eojs.length, 1, `${n.id}: ${n.detail}`);
    }
  });

  it('discovers every node with its search (multicast Get 0xD6 to the node profile)',
     { timeout: 15000 }, async () => {
       const answered = () => nodes.every((n) => received.some(
           (r) => r.address === n.address && r.els.SEOJ === NODE_PROFILE &&
                  r.els.ESV === ESV.GET_RES && r.els.DETAILs.d6));
       for (let search = 1; search <= 3 && !answered(); ++search) {
         EL.search();
         await serve.waitFor(answered, 3000, 'Get_Res 0xD6 from every node').catch(() => {});
       }
       assert.ok(answered(), 'some nodes never answered the search: ' +
                 nodes.filter((n) => !received.some((r) => r.address === n.address))
                     .map((n) => n.address).join(' '));
       for (const n of nodes) {
         const r = received.find((x) => x.address === n.address && x.els.DETAILs.d6);
         assert.equal(r.port, 3610, `${n.address} must answer from port 3610`);
         const d6 = r.els.DETAILs.d6;
         const count = parseInt(d6.slice(0, 2), 16);
         const eojs = d6.slice(2).match(/.{6}/g) || [];
         assert.equal(count, eojs.length, `${n.address} 0xD6 count`);
         assert.deepEqual(eojs, n.eojs, `${n.address} instance list`);
         for (const eoj of [NODE_PROFILE, ...eojs]) {
           objects.set(`${n.address}|${eoj}`, { address: n.address, eoj, maps: null });
         }
       }
     });

  it('its own automatic walk fills EL.facilities with every readable property',
     { timeout: 30000 }, async () => {
       assert.ok(objects.size >= 16, 'discovery must have found the objects first');
       const missing = () => {
         const out = [];
         for (const { address, eoj } of objects.values()) {
           const props = (EL.facilities[address] || {})[eoj];
           if (!props || !props['9f']) {
             out.push(`${address} ${eoj}: no 0x9F`);
             continue;
           }
           for (const epc of epcList(props['9f'])) {
             if (!props[hex(epc)]) out.push(`${address} ${eoj} 0x${hex(epc)}`);
           }
         }
         return out;
       };
       await serve.waitFor(() => missing().length === 0, 20000, 'the library walk')
           .catch(() => {});
       EL.autoGetProperties = false; // from here on, only the frames this test sends
       assert.deepEqual(missing(), []);
     });

  it('reads the property maps 0x9D/0x9E/0x9F of every object', { timeout: 30000 }, async () => {
    assert.ok(objects.size >= 16, 'discovery must have found the objects first');
    for (const o of objects.values()) {
      const r = await request(o.address, o.eoj, ESV.GET, { '9d': '', '9e': '', '9f': '' });
      assert.equal(r.els.ESV, ESV.GET_RES, `${o.address} ${o.eoj}: ${JSON.stringify(r.els)}`);
      assert.equal(r.els.SEOJ, o.eoj);
      const maps = {};
      for (const epc of ['9d', '9e', '9f']) {
        assert.ok(r.els.DETAILs[epc], `${o.address} ${o.eoj} 0x${epc} is empty`);
        maps[epc] = epcList(r.els.DETAILs[epc]); // form 2 arrives flattened
      }
      for (const epc of [0x80, 0x9d, 0x9e, 0x9f]) {
        assert.ok(maps['9f'].includes(epc), `${o.address} ${o.eoj}: 0x${hex(epc)} not in 0x9F`);
      }
      assert.ok(maps['9d'].includes(0x80), `${o.address} ${o.eoj}: 0x80 must be announced`);
      o.maps = maps;
    }
  });

  it('answers Get_Res with a value for every readable property', { timeout: 60000 },
     async (t) => {
       const failures = [];
       let gets = 0;
       const byNode = new Map();
       for (const o of objects.values()) {
         assert.ok(o.maps, `${o.address} ${o.eoj}: no property maps`);
         if (!byNode.has(o.address)) byNode.set(o.address, []);
         byNode.get(o.address).push(o);
       }
       // One Get per property; the nodes in parallel, one request at a time per node.
       await Promise.all([...byNode.values()].map(async (list) => {
         for (const o of list) {
           for (const epc of o.maps['9f']) {
             ++gets;
             const r = await request(o.address, o.eoj, ESV.GET, { [hex(epc)]: '' });
             const value = r.els.DETAILs[hex(epc)];
             if (r.els.ESV !== ESV.GET_RES || !value) {
               failures.push(`${o.address} ${o.eoj} 0x${hex(epc)}: ESV ${r.els.ESV} ` +
                             `EDT "${value}"`);
             }
           }
         }
       }));
       t.diagnostic(`${gets} Gets to ${objects.size} objects on ${byNode.size} nodes`);
       assert.ok(gets > 200, `only ${gets} Gets`);
       assert.deepEqual(failures, []);
     });

  it('SetC 0x80 on the air conditioner: Set_Res and a status-change INF', { timeout: 20000 },
     async () => {
       const ac = nodes.find((n) => n.eojs[0].startsWith(AIR_CONDITIONER));
       assert.ok(ac, 'no air conditioner');
       const eoj = ac.eojs[0];
       const before = await request(ac.address, eoj, ESV.GET, { '80': '' });
       assert.equal(before.els.DETAILs['80'], '30', 'the world starts the air conditioner on');

       for (const value of ['31', '30']) { // off, then back on
         const since = Date.now();
         const r = await request(ac.address, eoj, ESV.SETC, { '80': value });
         assert.equal(r.els.ESV, ESV.SET_RES, JSON.stringify(r.els));
         assert.equal(r.els.SEOJ, eoj);
         assert.deepEqual(r.els.DETAILs, { '80': '' }, 'Set_Res carries PDC 0');
         const inf = await serve.waitFor(() => received.find(
             (x) => x.at >= since && x.address === ac.address && x.els.ESV === ESV.INF &&
                    x.els.SEOJ === eoj && x.els.DETAILs['80'] === value), 3000,
             `INF 0x80=${value} from ${ac.address}`);
         assert.equal(inf.port, 3610);
         const now = await request(ac.address, eoj, ESV.GET, { '80': '' });
         assert.equal(now.els.DETAILs['80'], value);
       }
     });

  it('refuses an out-of-range SetC (0xB3 = 99) with SetC_SNA echoing the EDT',
     { timeout: 20000 }, async () => {
       const ac = nodes.find((n) => n.eojs[0].startsWith(AIR_CONDITIONER));
       const eoj = ac.eojs[0];
       const before = await request(ac.address, eoj, ESV.GET, { b3: '' });
       const r = await request(ac.address, eoj, ESV.SETC, { b3: hex(99) });
       assert.equal(r.els.ESV, ESV.SETC_SNA, JSON.stringify(r.els));
       assert.deepEqual(r.els.DETAILs, { b3: hex(99) });
       const after = await request(ac.address, eoj, ESV.GET, { b3: '' });
       assert.equal(after.els.DETAILs.b3, before.els.DETAILs.b3, 'a refused Set changes nothing');
     });

  it('echonet-lite parsed every frame it got', () => {
    assert.deepEqual(parseErrors, []);
  });

  it('serve stops on SIGINT and its pcap holds every frame the controller got from the nodes',
     { timeout: 30000 }, async (t) => {
       const answers = fromNodes().length;
       assert.ok(answers > 200, `only ${answers} frames from the nodes`);
       const stopped = await server.stop();
       assert.equal(stopped.killed, undefined, 'serve needed SIGKILL');
       assert.equal(stopped.code, 0, `serve exit: ${JSON.stringify(stopped)}`);
       const frames = readPcapFrames(pcap);
       const addresses = new Set(nodes.map((n) => n.address));
       const fromNodeFrames = frames.filter(([src]) => addresses.has(src));
       t.diagnostic(`controller got ${answers} frames from the nodes; pcap: ${frames.length} ` +
                    `frames, ${fromNodeFrames.length} from the nodes`);
       assert.ok(fromNodeFrames.length >= answers,
                 `pcap has ${fromNodeFrames.length} frames from the nodes, the controller got ` +
                 `${answers}`);
       // The demo house's AiSEG2 polls the appliances too: its controller node is a fair destination.
       const units = new Set(server.output.map((l) => /^aiseg2-unit \S+ (\d+\.\d+\.\d+\.\d+):/.exec(l))
         .filter(Boolean).map((m) => m[1]));
       for (const [src, dst, port] of fromNodeFrames) {
         assert.ok(dst === '127.0.0.1' || dst === '224.0.23.0' || units.has(dst), `${src} -> ${dst}`);
         assert.equal(port, '3610', `${src} -> ${dst}:${port}: answers go to port 3610`);
       }
       // The status-change INFs of the SetC test went to the group, not to the controller.
       const ac = nodes.find((n) => n.eojs[0].startsWith(AIR_CONDITIONER));
       for (const value of ['31', '30']) {
         assert.ok(fromNodeFrames.some(([src, dst, , data]) => (
           src === ac.address && dst === '224.0.23.0' && data && data.slice(8, 14) === ac.eojs[0] &&
           data.slice(20, 22) === ESV.INF && data.endsWith(`018001${value}`))),
                   `no multicast INF 0x80 = 0x${value} from ${ac.address} in the pcap`);
       }
     });
});

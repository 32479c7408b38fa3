// Interop: the npm package `node-echonet-lite` (0.6) as the controller of the demo house, across
// a veth link between two network namespaces that this test creates and removes.
//
// node-echonet-lite binds 0.0.0.0:3610 without SO_REUSEADDR, so it cannot share a network stack
// with the nodes (nor with any other controller). The test builds its own little bench LAN:
//   <ns>-srv: el0 10.250.0.1..8/28   `hemsrig serve --interface el0`, one address per node
//   <ns>-ctl: el0 10.250.0.14/28     node-echonet-lite (lib/node_echonet_lite_client.js)
// with lo up and a 224.0.0.0/4 route on el0 on both sides. Nothing is added to the root
// namespace (the veth pair is created straight inside the two namespaces), so no frame can
// leave the machine; deleting the namespaces removes the veth pair. Stale namespaces of killed
// runs (their pid is gone) are removed first.
//
// Needs root and iproute2; otherwise it prints SKIP and exits 77 (CTest SKIP_RETURN_CODE).
// HEMSRIG_INTEROP_REPORT=FILE keeps the client's JSON report.
// Run: node tests/interop/node_echonet_lite_controller.test.js (not `node --test`: the exit
// code 77 must reach CTest).
'use strict';

const assert = require('node:assert/strict');
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const serve = require('./lib/serve');
const { readPcapFrames } = require('./lib/pcap');
const { propertyMap, hex, NODE_PROFILE } = require('./lib/echonet');

const SKIP = 77;
const PREFIX = 'hemsrig-interop-';
const SERVER_NS = `${PREFIX}${process.pid}-srv`;
const CLIENT_NS = `${PREFIX}${process.pid}-ctl`;
const SUBNET = '10.250.0';          // exists only on the veth pair inside the two namespaces
const CLIENT_ADDRESS = `${SUBNET}.14`;
const NODES = 8;

function ip(...args) {
  return execFileSync('ip', args, { encoding: 'utf8', timeout: 10000,
                                    stdio: ['ignore', 'pipe', 'pipe'] });
}

function namespaces() {
  return ip('netns', 'list').split('\n').map((l) => l.split(' ')[0]).filter(Boolean);
}

function removeNamespaces(names) {
  for (const ns of names) {
    try {
      ip('netns', 'delete', ns);
    } catch (error) {
      process.stderr.write(`cleanup: cannot delete namespace ${ns}: ${error.message}\n`);
    }
  }
}

function ownNamespaces() {
  try {
    return namespaces().filter((ns) => ns === SERVER_NS || ns === CLIENT_NS);
  } catch {
    return [];
  }
}

function removeStaleNamespaces() {
  for (const ns of namespaces()) {
    const m = new RegExp(`^${PREFIX}(\\d+)-(srv|ctl)$`).exec(ns);
    if (!m || Number(m[1]) === process.pid) continue;
    let alive = true;
    try {
      process.kill(Number(m[1]), 0);
    } catch (error) {
      alive = error.code === 'EPERM';
    }
    if (!alive) removeNamespaces([ns]);
  }
}

function skip(reason) {
  process.stdout.write(`SKIP: ${reason}\n`);
  process.exit(SKIP);
}

// Before any test is defined: skip cleanly where namespaces cannot be made.
if (typeof process.getuid === 'function' && process.getuid() !== 0) {
  skip('needs root to create network namespaces (ip netns add)');
}
try {
  ip('-V');
} catch {
  skip('needs iproute2 (the `ip` command)');
}

// The namespaces and the temporary folder go, whatever ends this process.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hemsrig-interop-nel-'));
let cleaned = false;
function cleanup() {
  if (cleaned) return;
  cleaned = true;
  removeNamespaces(ownNamespaces());
  fs.rmSync(tmp, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    cleanup();
    process.exit(128 + os.constants.signals[signal]);
  });
}

try {
  removeStaleNamespaces();
  ip('netns', 'add', SERVER_NS);
  ip('netns', 'add', CLIENT_NS);
} catch (error) {
  cleanup();
  skip(`cannot create network namespaces: ${(error.stderr || error.message).toString().trim()}`);
}

// Only now the test runner: a skip above leaves before it could print "0 tests".
const { describe, it, before, after } = require('node:test');

function buildLink() {
  for (const ns of [SERVER_NS, CLIENT_NS]) ip('-n', ns, 'link', 'set', 'lo', 'up');
  ip('-n', SERVER_NS, 'link', 'add', 'el0', 'type', 'veth', 'peer', 'name', 'el0', 'netns',
     CLIENT_NS);
  for (let i = 1; i <= NODES; ++i) ip('-n', SERVER_NS, 'addr', 'add', `${SUBNET}.${i}/28`, 'dev', 'el0');
  ip('-n', CLIENT_NS, 'addr', 'add', `${CLIENT_ADDRESS}/28`, 'dev', 'el0');
  for (const ns of [SERVER_NS, CLIENT_NS]) {
    ip('-n', ns, 'link', 'set', 'el0', 'up');
    ip('-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', 'el0');
  }
}

// The demo house with one address of el0 per node, each the address the test added to el0.
function worldOnLink(dir) {
  // The appliances only: the unit and the cloud of the demo house are not this test's subject.
  const text = fs.readFileSync(serve.demoHouse(), 'utf8').split(/^units:/m)[0];
  let n = 0;
  const out = text.split('\n').flatMap((line) => (
    /^  - id: /.test(line) ? [line, `    address: ${SUBNET}.${++n}`] : [line]));
  assert.equal(n, NODES, 'demo-house.yaml: one `  - id:` line per appliance expected');
  const file = path.join(dir, 'demo-house-on-el0.yaml');
  fs.writeFileSync(file, out.join('\n'));
  return file;
}

function runClient(airconAddress) {
  return new Promise((resolve, reject) => {
    const client = path.join(__dirname, 'lib', 'node_echonet_lite_client.js');
    const child = spawn('ip', ['netns', 'exec', CLIENT_NS, process.execPath, client,
                               CLIENT_ADDRESS, String(NODES), airconAddress],
                        { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 90000);
    process.on('exit', () => child.kill('SIGKILL')); // a no-op once it has exited
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('REPORT '));
      if (!line) {
        reject(new Error(`node-echonet-lite client gave no report (code ${code}, signal ` +
                         `${signal}):\n${stdout.slice(-2000)}\n${stderr.slice(-2000)}`));
        return;
      }
      if (process.env.HEMSRIG_INTEROP_REPORT) {
        fs.writeFileSync(process.env.HEMSRIG_INTEROP_REPORT, line.slice('REPORT '.length));
      }
      resolve(JSON.parse(line.slice('REPORT '.length)));
    });
  });
}

describe('node-echonet-lite (npm) drives the demo house across a veth link',
         { timeout: 150000 }, () => {
  const pcap = path.join(tmp, 'serve.pcap');
  let server = null;
  let nodes = [];
  let report = null;
  let aircon = null;

  before(async () => {
    buildLink();
    const command = ['ip', 'netns', 'exec', SERVER_NS, serve.hemsrigBinary(), 'serve',
                     worldOnLink(tmp), '--interface', 'el0', '--pcap', pcap, '--for', '170s'];
    server = await serve.start(command);
    nodes = server.endpoints;
    aircon = nodes.find((n) => n.eojs[0] && n.eojs[0].startsWith('0130'));
    assert.ok(aircon, 'no air conditioner in the world');
    report = await runClient(aircon.address);
  });

  after(async () => {
    if (server) await server.stop();
    cleanup();
  });

  it('serve puts the eight nodes on el0', () => {
    assert.deepEqual(nodes.map((n) => n.address),
                     Array.from({ length: NODES }, (_, i) => `${SUBNET}.${i + 1}`));
  });

  it('node-echonet-lite threw nowhere (its parsers took every frame)', () => {
    assert.deepEqual(report.errors, []);
  });

  it('discovers every node and its objects (multicast Get 0xD6)', () => {
    const found = new Map(report.discovered.map((d) => [d.address, d]));
    for (const n of nodes) {
      const d = found.get(n.address);
      assert.ok(d, `${n.address} (${n.id}) not discovered`);
      assert.equal(d.port, 3610, `${n.address} must answer from port 3610`);
      assert.deepEqual(d.eojs, n.eojs, `${n.address} instance list`);
    }
    assert.equal(found.size, NODES);
  });

  it('reads the property maps of every object, as the library and as the spec reads them',
     () => {
       assert.equal(report.objects.length, 2 * NODES);
       for (const o of report.objects) {
         const where = `${o.address} ${o.eoj}`;
         assert.equal(o.error, undefined, where);
         assert.equal(o.esv, 'Get_Res', where);
         const spec = { inf: propertyMap(o.raw['9d']), set: propertyMap(o.raw['9e']),
                        get: propertyMap(o.raw['9f']) };
         for (const k of ['inf', 'set', 'get']) {
           assert.deepEqual([...o.maps[k]].sort((a, b) => a - b), spec[k], `${where} ${k} map`);
         }
         for (const epc of [0x80, 0x9d, 0x9e, 0x9f]) {
           assert.ok(spec.get.includes(epc), `${where}: 0x${hex(epc)} not in 0x9F`);
         }
         assert.ok(spec.inf.includes(0x80), `${where}: 0x80 must be announced`);
         if (o.eoj === NODE_PROFILE) assert.ok(spec.get.includes(0xd6), where);
       }
     });

  it('answers Get_Res with a value for every readable property', (t) => {
    const expected = report.objects.reduce((sum, o) => sum + (o.maps ? o.maps.get.length : 0), 0);
    t.diagnostic(`${report.gets.length} Gets, ${report.frames.length} frames received, ` +
                 `${report.gets.filter((g) => g.parsed).length} values decoded by the library`);
    assert.ok(expected > 200, `only ${expected} readable properties`);
    assert.equal(report.gets.length, expected);
    const failures = report.gets.filter((g) => g.error || g.esv !== 'Get_Res' || !g.edt)
        .map((g) => `${g.address} ${g.eoj} 0x${hex(g.epc)}: ${g.error || `${g.esv} "${g.edt}"`}`);
    assert.deepEqual(failures, []);
  });

  it('SetC 0x80 on the air conditioner: Set_Res and a status-change INF', () => {
    assert.equal(report.sets.length, 2);
    for (const s of report.sets) {
      const what = `0x80 = 0x${hex(s.value)}`;
      assert.equal(s.error, null, what);
      assert.equal(s.esv, 'Set_Res', what);
      assert.ok(s.inf, `${what}: no INF from ${aircon.address}`);
      assert.equal(s.inf.port, 3610, `${what}: INF source port`);
      assert.equal(s.inf.deoj, NODE_PROFILE, `${what}: INF goes to the node profile class`);
      assert.equal(s.after, hex(s.value), `${what}: read back`);
    }
  });

  it('refuses an out-of-range SetC (0xB3 = 99) with SetC_SNA echoing the EDT', () => {
    const b = report.badSet;
    assert.equal(b.error, null);
    assert.equal(b.esv, 'SetC_SNA');
    assert.equal(b.edt, hex(99));
    assert.ok(b.before, 'read 0xB3 before');
    assert.equal(b.after, b.before, 'a refused Set changes nothing');
  });

  it('the status-change INF went to the multicast group (serve pcap)', { timeout: 30000 },
     async () => {
       const stopped = await server.stop();
       assert.equal(stopped.code, 0, `serve exit: ${JSON.stringify(stopped)}`);
       const frames = readPcapFrames(pcap);
       const addresses = new Set(nodes.map((n) => n.address));
       const answers = report.frames.filter((f) => addresses.has(f.address)).length;
       const fromNodes = frames.filter(([src]) => addresses.has(src));
       assert.ok(fromNodes.length >= answers,
                 `pcap: ${fromNodes.length} frames from the nodes, the client got ${answers}`);
       for (const [src, dst, port] of fromNodes) {
         assert.ok(dst === CLIENT_ADDRESS || dst === '224.0.23.0', `${src} -> ${dst}`);
         assert.equal(port, '3610');
       }
       for (const s of report.sets) {
         const tail = `018001${hex(s.value)}`; // OPC 1, EPC 0x80, PDC 1, EDT
         assert.ok(fromNodes.some(([src, dst, , data]) => src === aircon.address &&
                                  dst === '224.0.23.0' && data && data.includes('013001') &&
                                  data.slice(20, 22) === '73' && data.endsWith(tail)),
                   `no multicast INF 0x80 = 0x${hex(s.value)} in the pcap`);
       }
     });
});

// The controller side of node_echonet_lite_controller.test.js: drives the served world with the
// npm package `node-echonet-lite` (0.6, by Futomi Hatano) and prints what it saw as one JSON
// line `REPORT {...}` on stdout; the test asserts on that. Run inside the controller's network
// namespace, since node-echonet-lite binds 0.0.0.0:3610 without SO_REUSEADDR.
//
// node-echonet-lite, as read from lib/net/lan.js: one socket bound to 0.0.0.0:3610 that sends
// and receives; joins 224.0.23.0 on `netif` (an IPv4 address) and sends multicast by the routing
// table (no IP_MULTICAST_IF), so the namespace needs a 224.0.0.0/4 route on the link. Discovery
// sends three multicast Get 0xD6 one second apart and leaves the group meanwhile.
//
// Usage: node node_echonet_lite_client.js NETIF EXPECTED_NODES AIRCON_ADDRESS
'use strict';

const EchonetLite = require('node-echonet-lite');

const [netif, expectedText, airconAddress] = process.argv.slice(2);
const expected = Number(expectedText);
const NODE_PROFILE = [0x0e, 0xf0, 0x01];
const AIRCON = [0x01, 0x30, 0x01];
const hexOf = (bytes) => Buffer.from(bytes).toString('hex');

const report = { discovered: [], objects: [], gets: [], sets: [], badSet: null, frames: [],
                 errors: [] };
const deadline = setTimeout(() => finish('the client ran out of time (60 s)'), 60000);

process.on('uncaughtException', (error) => {
  // node-echonet-lite parses EDTs inside its socket handler: a throw there loses the frame.
  report.errors.push(`uncaught: ${error && error.stack ? error.stack : error}`);
});

const el = new EchonetLite({ type: 'lan', netif });

el.on('data', (parsed) => {
  const m = parsed.message;
  report.frames.push({ address: parsed.device.address, port: parsed.device.port, esv: m.esv,
                       tid: m.tid, seoj: hexOf(m.seoj), deoj: hexOf(m.deoj), hex: parsed.buffer.toString('hex'),
                       at: Date.now() });
});

function call(method, ...args) {
  // One request with the library's own callback; bounded (2 s) and tried three times.
  return new Promise((resolve) => {
    let tries = 0;
    const once = () => {
      ++tries;
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        if (tries < 3) once();
        else resolve({ error: `no answer to ${method} ${JSON.stringify(args)} after 3 tries` });
      }, 2000);
      el[method](...args, (error, res) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(error ? { error: String(error) } : { res });
      });
    };
    once();
  });
}

const propBuffer = (res, epc) => {
  const p = res.message.prop.find((x) => x.epc === epc);
  return p && p.buffer ? p.buffer.toString('hex') : '';
};

async function discover() {
  const seen = new Map();
  await new Promise((resolve) => {
    const timer = setTimeout(resolve, 6000); // three multicasts, one second apart, and answers
    el.startDiscovery((error, res) => {
      if (error) {
        report.errors.push(`discovery: ${error}`);
        return;
      }
      seen.set(res.device.address, { address: res.device.address, port: res.device.port,
                                     eojs: res.device.eoj.map(hexOf) });
      if (seen.size >= expected) {
        clearTimeout(timer);
        setTimeout(resolve, 300); // let the late duplicates of the search land
      }
    });
  });
  el.stopDiscovery();
  report.discovered = [...seen.values()];
}

async function walk(device) {
  for (const eoj of [NODE_PROFILE, ...device.eojs.map((e) => [...Buffer.from(e, 'hex')])]) {
    const maps = await call('getPropertyMaps', device.address, eoj);
    const object = { address: device.address, eoj: hexOf(eoj) };
    report.objects.push(object);
    if (maps.error) {
      object.error = maps.error;
      continue;
    }
    object.esv = maps.res.message.esv;
    object.maps = maps.res.message.data; // {inf, set, get}: the library's reading
    object.raw = { '9d': propBuffer(maps.res, 0x9d), '9e': propBuffer(maps.res, 0x9e),
                   '9f': propBuffer(maps.res, 0x9f) };
    for (const epc of object.maps.get) {
      const r = await call('getPropertyValue', device.address, eoj, epc);
      report.gets.push(r.error ? { address: device.address, eoj: object.eoj, epc, error: r.error }
                               : { address: device.address, eoj: object.eoj, epc,
                                   esv: r.res.message.esv, edt: propBuffer(r.res, epc),
                                   parsed: r.res.message.data !== null });
    }
  }
}

async function setOperationStatus(value) {
  const since = Date.now();
  const r = await call('setPropertyValue', airconAddress, AIRCON, 0x80, Buffer.from([value]));
  const entry = { value, esv: r.error ? null : r.res.message.esv, error: r.error || null };
  report.sets.push(entry);
  // The status-change announcement: INF 0x80 from the air conditioner, within 3 s.
  const want = `018001${value.toString(16).padStart(2, '0')}`; // OPC 1, EPC 0x80, PDC 1, EDT
  for (let waited = 0; waited < 3000; waited += 20) {
    const inf = report.frames.find((f) => f.at >= since && f.address === airconAddress &&
                                          f.esv === 'INF' && f.seoj === '013001' &&
                                          f.hex.endsWith(want));
    if (inf) {
      entry.inf = inf;
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const now = await call('getPropertyValue', airconAddress, AIRCON, 0x80);
  entry.after = now.error ? null : propBuffer(now.res, 0x80);
}

async function main() {
  await new Promise((resolve, reject) => el.init((error) => (error ? reject(error) : resolve())));
  await discover();
  await Promise.all(report.discovered.map(walk)); // nodes in parallel, one request each at a time
  await setOperationStatus(0x31);
  await setOperationStatus(0x30);
  const before = await call('getPropertyValue', airconAddress, AIRCON, 0xb3);
  const bad = await call('setPropertyValue', airconAddress, AIRCON, 0xb3, Buffer.from([99]));
  const after = await call('getPropertyValue', airconAddress, AIRCON, 0xb3);
  report.badSet = { esv: bad.error ? null : bad.res.message.esv, error: bad.error || null,
                    edt: bad.error ? null : propBuffer(bad.res, 0xb3),
                    before: before.error ? null : propBuffer(before.res, 0xb3),
                    after: after.error ? null : propBuffer(after.res, 0xb3) };
  finish(null);
}

let finished = false;
function finish(error) {
  if (finished) return;
  finished = true;
  clearTimeout(deadline);
  if (error) report.errors.push(String(error && error.stack ? error.stack : error));
  process.stdout.write(`REPORT ${JSON.stringify(report)}\n`, () => {
    el.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  });
}

main().catch(finish);

// The npm package `echonet-lite` (v2.16) used as an appliance emulator, for run.sh to measure
// beside hemsrig: one node (the package keeps one node per process: module-wide state and one
// socket on 0.0.0.0:3610) with N home air conditioner objects 0x013001.. that answer Get and
// SetC from a property table, as the package's README shows.
//
//   node echonet_lite_node.js [--objects 1] [--max-seconds 600]
//
// Loopback only: the package joins 224.0.23.0 without naming an interface and sends multicast
// out of `v4`; both are pinned to 127.0.0.1 here, so nothing leaves the host even outside a
// private network namespace. Prints `ready <pid>` once bound; exits on SIGINT/SIGTERM or by
// itself after --max-seconds.
'use strict';

const dgram = require('node:dgram');
const path = require('node:path');

const EL = require(path.join(__dirname, 'node_modules', 'echonet-lite'));

function option(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : fallback;
}

const objects = Math.min(Math.max(option('--objects', 1), 1), 127);
const maxSeconds = Math.min(Math.max(option('--max-seconds', 600), 1), 3600);

// Join the group on loopback when the caller names no interface.
const addMembership = dgram.Socket.prototype.addMembership;
dgram.Socket.prototype.addMembership = function (group, iface) {
  return addMembership.call(this, group, iface || '127.0.0.1');
};

function airConditioner(instance) {
  return {
    '80': [0x30], // operation status: on
    '81': [0x0f], // installation location
    '82': [0x00, 0x00, 0x50, 0x01], // standard version
    '83': [0xfe, 0x00, 0x00, 0x77, 0x00, 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x00, instance],
    '88': [0x42], // no fault
    '8a': [0x00, 0x00, 0x77], // manufacturer
    '8f': [0x41],
    '9d': [0x04, 0x80, 0x8f, 0xa0, 0xb0],
    '9e': [0x04, 0x80, 0x8f, 0xa0, 0xb0],
    '9f': [0x0d, 0x80, 0x81, 0x82, 0x88, 0x8a, 0x8f, 0x9d, 0x9e, 0x9f, 0xa0, 0xb0, 0xb3, 0xbb],
    'a0': [0x31],
    'b0': [0x41],
    'b3': [0x19],
    'bb': [0x1a],
  };
}

const objList = [];
const details = {};
for (let i = 1; i <= objects; ++i) {
  const eoj = '0130' + i.toString(16).padStart(2, '0');
  objList.push(eoj);
  details[eoj] = airConditioner(i);
}

function onFrame(rinfo, els, error) {
  if (error || !els) return;
  if (els.DEOJ.substr(0, 4) === '0ef0') return; // the package answers for the node profile
  switch (els.ESV) {
    case EL.GET:
      EL.replyGetDetail(rinfo, els, details);
      break;
    case EL.SETI:
    case EL.SETC:
      EL.replySetDetail(rinfo, els, details);
      break;
    default:
      break;
  }
}

async function main() {
  const socket = await EL.initialize(objList, onFrame, 4, {
    v4: '127.0.0.1',
    ignoreMe: true,
    autoGetProperties: false,
    debugMode: false,
  });
  const stop = () => {
    EL.release();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  setTimeout(stop, maxSeconds * 1000).unref();
  const ready = () => console.log(`ready ${process.pid} objects=${objects}`);
  try {
    socket.address(); // throws until the socket is bound
    ready();
  } catch {
    socket.once('listening', ready);
  }
  // Keep the process alive until a signal or the time limit.
  setInterval(() => {}, 1 << 30);
}

main().catch((e) => {
  console.error('echonet_lite_node:', e);
  process.exit(1);
});

// Two ECHONET Lite appliances that are not hemsrig's, emulated with the npm package `echonet-lite`
// (2.x): a home air conditioner 0x013001 and a general lighting 0x029001 on one node. The AiSEG2
// unit's controller (UnitControllerInterop in tests/unit/unit_controller_test.cpp) discovers,
// reads and controls them in real time (run_with_appliances.sh starts this script around it).
//
// How echonet-lite is used (read from its index.js, 2.16): EL.initialize binds 0.0.0.0:3610,
// joins 224.0.23.0 and answers the node profile (0x0EF001, 0xD6 included) itself; frames to
// device objects reach our callback, which answers Get with EL.replyGetDetail and SetC with
// EL.replySetDetail (its own checks for the air conditioner: 0x80 0x30/0x31, 0xB3 0..50, and
// INF after a change). Its lighting has no such checks, so the lighting's Set is ours, in the
// same frame layout. Every frame leaves from 127.0.0.1:23610 (Options.v4), and frames *from*
// 127.0.0.1 are ignored (ignoreMe), so the controller must live at another 127.x address.
//
// Prints "ready" once bound; exits on SIGTERM/SIGINT or after HEMSRIG_APPLIANCES_LIFETIME_MS
// (default 120 s), so it never outlives a test run.
'use strict';

const EL = require('echonet-lite');

const LIFETIME_MS = Number(process.env.HEMSRIG_APPLIANCES_LIFETIME_MS || 120000);
const MAKER = [0x00, 0x00, 0x77];

// A property map in form 1 (fewer than 16 EPCs): the count, then the EPCs.
const map = (epcs) => [epcs.length, ...epcs];

const airConditioner = {
  80: [0x31], // off
  81: [0x08], // installation location: living room
  82: [0x00, 0x00, 0x4a, 0x00], // release J
  88: [0x42], // no fault
  '8a': MAKER,
  '8f': [0x42],
  a0: [0x41], // air flow auto
  b0: [0x42], // cooling
  b3: [25], // set temperature
  bb: [27], // room temperature
};
airConditioner['9d'] = map([0x80, 0x81, 0x88, 0x8f, 0xa0, 0xb0]);
airConditioner['9e'] = map([0x80, 0x81, 0x8f, 0xa0, 0xb0, 0xb3]);
airConditioner['9f'] = map([0x80, 0x81, 0x82, 0x88, 0x8a, 0x8f, 0x9d, 0x9e, 0x9f, 0xa0, 0xb0, 0xb3,
                            0xbb]);

const lighting = {
  80: [0x31],
  81: [0x08],
  82: [0x00, 0x00, 0x4a, 0x00],
  88: [0x42],
  '8a': MAKER,
  b0: [100], // light level %
};
lighting['9d'] = map([0x80, 0x81, 0x88]);
lighting['9e'] = map([0x80, 0x81, 0xb0]);
lighting['9f'] = map([0x80, 0x81, 0x82, 0x88, 0x8a, 0x9d, 0x9e, 0x9f, 0xb0]);

const objects = { '013001': airConditioner, '029001': lighting };

// What the lighting accepts: EDT bytes -> ok.
const lightingChecks = {
  80: (b) => b.length === 1 && (b[0] === 0x30 || b[0] === 0x31),
  81: (b) => b.length === 1,
  b0: (b) => b.length === 1 && b[0] <= 100,
};

function lightingSet(rinfo, els) {
  const dev = objects[els.DEOJ];
  const details = [];
  let ok = true;
  const changed = [];
  for (const epc of Object.keys(els.DETAILs)) {
    const edt = EL.toHexArray(els.DETAILs[epc]);
    const check = lightingChecks[epc];
    if (check && check(edt)) {
      if (String(dev[epc]) !== String(edt)) changed.push(epc);
      dev[epc] = edt;
      details.push(parseInt(epc, 16), 0x00); // accepted: PDC 0
    } else {
      details.push(parseInt(epc, 16), edt.length, ...edt); // refused: the EDT echoed
      ok = false;
    }
  }
  if (els.ESV === EL.SETI && ok) return;
  const esv = els.ESV === EL.SETI ? 0x50 : ok ? 0x71 : 0x51;
  EL.sendArray(rinfo, [0x10, 0x81, ...EL.toHexArray(els.TID), ...EL.toHexArray(els.DEOJ),
                       ...EL.toHexArray(els.SEOJ), esv, Object.keys(els.DETAILs).length,
                       ...details]);
  // Status-change announcement for what changed and is in the 0x9D map.
  const announced = dev['9d'].slice(1);
  for (const epc of changed) {
    if (announced.includes(parseInt(epc, 16))) {
      EL.sendOPC1(EL.EL_Multi, EL.toHexArray(els.DEOJ), [0x0e, 0xf0, 0x01], EL.INF,
                  parseInt(epc, 16), dev[epc]);
    }
  }
}

function onFrame(rinfo, els, error) {
  if (error || !els || !objects[els.DEOJ]) return; // the node profile is echonet-lite's own
  switch (els.ESV) {
    case EL.GET:
      EL.replyGetDetail(rinfo, els, objects);
      break;
    case EL.SETC:
    case EL.SETI:
      if (els.DEOJ === '029001') {
        lightingSet(rinfo, els);
      } else {
        EL.replySetDetail(rinfo, els, objects);
      }
      break;
    default:
      break;
  }
}

function stop(code) {
  try {
    EL.release();
  } finally {
    process.exit(code);
  }
}

(async () => {
  await EL.initialize(Object.keys(objects), onFrame, 4,
                      { v4: '127.0.0.1', ignoreMe: true, autoGetProperties: false,
                        debugMode: false });
  await new Promise((resolve) => setTimeout(resolve, 300)); // its bind is asynchronous
  process.stdout.write('ready\n');
})().catch((e) => {
  console.error(`echonet_lite_appliances: ${e.stack || e}`);
  process.exit(1);
});

process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
setTimeout(() => stop(0), LIFETIME_MS).unref();

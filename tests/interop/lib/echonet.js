// Small ECHONET Lite helpers the interop tests use to check what third-party controllers
// report, independently of each controller's own parsing.
'use strict';

const hex = (n, width = 2) => n.toString(16).padStart(width, '0');

function toBytes(value) {
  if (Buffer.isBuffer(value)) return [...value];
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') return (value.match(/.{2}/g) || []).map((b) => parseInt(b, 16));
  throw new TypeError(`not bytes: ${value}`);
}

// A property map EDT (0x9D/0x9E/0x9F), APPENDIX / Part II 2.2: form 1 is a count and the EPCs;
// from 16 properties on, form 2 is a count and a 16-byte bitmap (bit b of byte i: EPC 0x80 +
// 0x10*b + i). Returns the EPCs as numbers, sorted.
function propertyMap(edt) {
  const bytes = toBytes(edt);
  if (bytes.length === 0) throw new Error('empty property map');
  const count = bytes[0];
  let epcs = [];
  if (count < 16) {
    epcs = bytes.slice(1, 1 + count);
    if (epcs.length !== count) throw new Error(`property map form 1 cut short: ${bytes}`);
  } else {
    if (bytes.length !== 17) throw new Error(`property map form 2 needs 17 bytes: ${bytes}`);
    for (let i = 0; i < 16; ++i) {
      for (let bit = 0; bit < 8; ++bit) {
        if (bytes[1 + i] & (1 << bit)) epcs.push(0x80 + 0x10 * bit + i);
      }
    }
    if (epcs.length !== count) throw new Error(`property map form 2 counts ${count}, has ${epcs.length}`);
  }
  return [...epcs].sort((a, b) => a - b);
}

// A property map as decoders hand it on once form 2 is flattened (echonet-lite's DETAILs): a
// count, then that many EPCs, whatever the count.
function epcList(edt) {
  const bytes = toBytes(edt);
  const epcs = bytes.slice(1);
  if (bytes.length === 0 || epcs.length !== bytes[0]) throw new Error(`not a count + EPC list: ${bytes}`);
  return [...epcs].sort((a, b) => a - b);
}

const NODE_PROFILE = '0ef001';
const CONTROLLER = '05ff01';

module.exports = { hex, toBytes, propertyMap, epcList, NODE_PROFILE, CONTROLLER };

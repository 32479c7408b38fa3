'use strict';
// Reads a pcap that `hemsrig serve --pcap` wrote, with tshark: one
// [ip.src, ip.dst, udp.dstport, payload hex] row per frame.
const { execFileSync } = require('node:child_process');

function readPcapFrames(pcap) {
  const text = execFileSync('tshark', ['-r', pcap, '-T', 'fields', '-e', 'ip.src', '-e', 'ip.dst',
                                       '-e', 'udp.dstport', '-e', 'data.data'],
                            { encoding: 'utf8', timeout: 20000, stdio: ['ignore', 'pipe', 'pipe'] });
  return text.split('\n').filter(Boolean).map((l) => l.split('\t'));
}

module.exports = { readPcapFrames };

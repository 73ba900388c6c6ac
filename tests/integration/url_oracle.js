#!/usr/bin/env node
// url_oracle.js - the differential URL test: what sl_url_normalize makes of a
// link (through the url_probe helper) against what a WHATWG URL parser makes
// of it (Node's `new URL()`, which is ada since Node 18.17; Node 18.20 from
// Debian 12 and Node 20 both qualify). Fails on any disagreement about the
// host of a special-scheme URL that the normaliser neither reports through
// alt_host nor documents (signatures/urls/README.md, "Where sluice reads a
// host differently from a browser"). One node process, one probe process.
//
//   node url_oracle.js --probe BUILD/tests/url_probe --source SRC
//                      [--fuzz-corpus DIR]... [--seed N] [--show N]
//
// Inputs: hosts generated here from the character classes that matter
// (seeded, so every run makes the same ones), the URLs of the project's
// corpus (tests/data), and the fuzz_urlnorm seeds and, when given, the
// corpus a fuzz run left (--fuzz-corpus).
'use strict';

const fs = require('fs');
const path = require('path');
const url = require('url');
const cp = require('child_process');

const SPECIAL = new Set(['http:', 'https:', 'ws:', 'wss:', 'ftp:', 'file:']);
const F_NO_SCHEME = 1 << 0;
const F_UNC = 1 << 13;

function parseArgs(argv) {
  const a = { fuzz: [], seed: 20261126, show: 20 };
  for (let i = 2; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    if (k === '--probe') { a.probe = v; i++; }
    else if (k === '--source') { a.source = v; i++; }
    else if (k === '--fuzz-corpus') { a.fuzz.push(v); i++; }
    else if (k === '--seed') { a.seed = Number(v); i++; }
    else if (k === '--show') { a.show = Number(v); i++; }
    else throw new Error('unknown argument ' + k);
  }
  if (!a.probe || !a.source) throw new Error('usage: url_oracle.js --probe BIN --source DIR');
  return a;
}

// ---- deterministic generator -----------------------------------------------

// mulberry32: small, seedable, the same on every Node version.
function prng(seed) {
  let s = seed >>> 0;
  return function () {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The character classes that decide where a name goes. Strings, not single
// code points: a class may hold sequences (a virama with its joiner).
const CLASSES = {
  ascii: 'abcdefghijklmnopqrstuvwxyz0123456789'.split(''),
  upper: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split(''),
  deviation: ['\u00df', '\u03c2', '\u200d', '\u200c', '\u1e9e', '\u03a3', 'SS'],
  symbol: ['\u2665', '\u2603', '\u2605', '\u26a1', '\u00a9', '\u2122', '\u2121', '\u2460', '\u00bd',
    '\u2192', '\u2713', '\u221e', '\u2615', '\u{1f4a9}', '\u{1f642}', '\u{1f44d}',
    '\u{1f44d}\u{1f3fd}', '\u{1f1e9}\u{1f1ea}', '\u2764\ufe0f', '\u{1f468}\u200d\u{1f4bb}'],
  latin: ['\u00e4', '\u00e9', '\u00f1', '\u00f8', '\u00e5', '\u0142', '\u0131', '\u0130', '\u01c5',
    '\ufb01', '\u017f', '\u00c4', '\u00c9', 'a\u0308', 'e\u0301'],
  cyrillic: ['\u0430', '\u0435', '\u043e', '\u0440', '\u0441', '\u043f', '\u0436', '\u044f',
    '\u0416', '\u04cf'],
  greek: ['\u03b1', '\u03bf', '\u03c1', '\u03a9', '\u0390', '\u03d0', '\u1f00'],
  hebrew: ['\u05d0', '\u05d1', '\u05e9', '\u05b0', '\u05f3'],
  arabic: ['\u0639', '\u0628', '\u064a', '\u0660', '\u06f1', '\u064b', '\u0627'],
  indic: ['\u0915', '\u094d', '\u0937', '\u0915\u094d\u200c', '\u0915\u094d\u200d', '\u0966'],
  cjk: ['\u4f8b', '\u5b57', '\u3042', '\u30ab', '\uff76', '\ud55c', '\uae00', '\u3007', '\u30fb'],
  historic: ['\u16a0', '\u{10330}', '\u{10000}', '\u{12000}', '\u{13000}', '\u2c00', '\u2c30',
    '\u1681', '\u{10900}', '\u{10380}', '\ua4d0', '\u{16f00}', '\u03e2', '\u{1d400}'],
  newer: ['\u{1e4d0}', '\u{11f00}', '\u{2ebf0}', '\u{31350}', '\u{10d40}', '\u{16100}',
    '\u{1e5d0}', '\u{105c0}', '\u{11f5a}'],
  marks: ['\u0301', '\u0308', '\u20dd', '\u0345', '\u302a'],
  fullwidth: ['\uff45', '\uff25', '\uff11', '\uff0d', '\uff3f', '\uff21'],
  ignorable: ['\u00ad', '\u200b', '\u2060', '\ufeff', '\u180b', '\ufe0f', '\u034f', '\u180e',
    '\u115f', '\u3164', '\uffa0'],
  forbidden: ['<', '>', '^', '|', '%', ' ', '@', '[', ']', '\u0000', '\t', '\u007f', '\u0001'],
  ascii_other: ['_', '*', '&', '$', '!', '~', '=', '+', ',', ';', "'", '(', '"', '`', '{', '}'],
};
const DOTS = ['.', '.', '.', '.', '.', '.', '\u3002', '\uff0e', '\uff61'];
const CLASS_NAMES = Object.keys(CLASSES);

function Gen(seed) {
  const r = prng(seed);
  const g = {
    int: (n) => Math.floor(r() * n),
    pick: (a) => a[Math.floor(r() * a.length)],
    chance: (p) => r() < p,
  };
  return g;
}

// How often each class joins a label: scripts that make a name fail as a whole
// (bidi, forbidden, unassigned) less often than the ones that map.
const WEIGHTS = { ascii: 4, upper: 2, deviation: 4, symbol: 4, latin: 4, cyrillic: 2, greek: 2,
  hebrew: 1, arabic: 1, indic: 2, cjk: 3, historic: 2, newer: 1, marks: 1, fullwidth: 2,
  ignorable: 2, forbidden: 1, ascii_other: 1 };
const WEIGHTED = [];
for (const c of CLASS_NAMES) for (let i = 0; i < WEIGHTS[c]; i++) WEIGHTED.push(c);

function randomLabel(g) {
  const classes = ['ascii'];
  const extra = 1 + g.int(2);
  for (let i = 0; i < extra; i++) classes.push(g.pick(WEIGHTED));
  const len = 1 + g.int(10);
  let s = '';
  for (let i = 0; i < len; i++) {
    const c = g.chance(0.45) ? 'ascii' : g.pick(classes);
    s += g.pick(CLASSES[c]);
  }
  // hyphen positions: leading, trailing, third and fourth
  const h = g.int(10);
  if (h === 0) s = '-' + s;
  else if (h === 1) s += '-';
  else if (h === 2) s = s.slice(0, 2).padEnd(2, 'a') + '--' + s.slice(2);
  return s;
}

function aceLabel(g) {
  const k = g.int(7);
  if (k <= 2) {
    // valid Punycode of a generated label, as the oracle writes it
    const a = url.domainToASCII(randomLabel(g) + '\u00e9');
    const lab = a.split('.').find((x) => x.startsWith('xn--'));
    if (lab) return g.chance(0.3) ? lab.toUpperCase() : lab;
    return 'xn--zca';
  }
  if (k === 3) return g.pick(['xn--', 'xn--a', 'xn--ab-', 'xn--abc-', 'xn---', 'xn--zca',
    'xn--nxa', 'xn--1ug', 'xn--ls8h', 'xn--g6h', 'XN--ZCA', 'xn--a-ecp', 'xn--tda', 'xn--0ca',
    'xn--bcher-kva', 'xn--xn--zca', 'xn--55qx5d', 'xn--mgbh0fb', 'xn--4db', 'xn--9n2bp8q']);
  let s = 'xn--';
  const len = g.int(9);
  const alpha = 'abcdefghijklmnopqrstuvwxyz0123456789-';
  for (let i = 0; i < len; i++) s += g.pick(alpha.split(''));
  return s;
}

function longLabel(g) {
  const n = g.pick([62, 63, 64, 65, 70, 100, 250]);
  const c = g.chance(0.7) ? 'a' : g.pick(CLASSES.symbol.concat(CLASSES.latin));
  let s = '';
  while (s.length < n) s += c;
  return s;
}

function randomDomain(g) {
  const labels = [];
  const n = 1 + g.int(4);
  for (let i = 0; i < n; i++) {
    const k = g.int(20);
    if (k < 3) labels.push(aceLabel(g));
    else if (k === 3) labels.push(longLabel(g));
    else if (k === 4) labels.push('');
    else labels.push(randomLabel(g));
  }
  if (g.chance(0.7)) labels.push(g.pick(['test', 'com', 'de', 'example', '\u0440\u0444', 'xn--p1ai',
    'jp', 'museum', 'a1', 'test', 'com', 'de', 'example', g.pick(['09', '0x1f', '1'])]));
  let s = '';
  labels.forEach((l, i) => { s += (i > 0 ? g.pick(DOTS) : '') + l; });
  const t = g.int(12);
  if (t === 0) s += '.';
  else if (t === 1) s += '..';
  else if (t === 2) s += g.pick(DOTS);
  if (g.chance(0.05)) s = s.toUpperCase();
  return s;
}

function ipv4Part(g, max) {
  const v = g.chance(0.1) ? g.pick([256, 4294967295, 4294967296, 16777216, 65536]) : g.int(max + 1);
  switch (g.int(6)) {
    case 0: return '0x' + v.toString(16);
    case 1: return '0X' + v.toString(16).toUpperCase();
    case 2: return '0' + v.toString(8);
    case 3: return '00' + v;
    default: return String(v);
  }
}

function randomIPv4(g) {
  const n = 1 + g.int(5);
  const parts = [];
  for (let i = 0; i < n; i++) parts.push(ipv4Part(g, i === n - 1 ? 4294967295 : 255));
  let s = parts.join('.');
  const k = g.int(12);
  if (k === 0) s += '.';
  else if (k === 1) s += '..';
  else if (k === 2) s = s.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)));
  else if (k === 3) s = s.replace(/[0-9]/, (d) => '%3' + d);
  else if (k === 4) s = g.pick(['a.', 'www.', 'x.y.']) + s;
  else if (k === 5) s += g.pick(['.a', '.0x', '.0xg', '.09', '.08']);
  else if (k === 6) s = s.replace(/\./g, () => g.pick(DOTS));
  return s;
}

function randomIPv6(g) {
  const pieces = [];
  for (let i = 0; i < 8; i++) {
    const z = g.chance(0.4);
    const v = z ? 0 : g.int(0x10000);
    pieces.push(g.chance(0.1) ? v.toString(16).toUpperCase() : v.toString(16));
  }
  let s = pieces.join(':');
  const k = g.int(10);
  if (k < 3) {
    const a = g.int(8);
    const b = a + g.int(8 - a);
    s = pieces.slice(0, a).join(':') + '::' + pieces.slice(b + 1).join(':');
  } else if (k === 3) {
    s = pieces.slice(0, 6).join(':') + ':' + [g.int(256), g.int(256), g.int(300), g.int(256)].join('.');
  } else if (k === 4) {
    s = '::ffff:' + [g.int(256), g.int(256), g.int(256), g.int(256)].join('.');
  } else if (k === 5) {
    s = g.pick(['::1.2.3', '::01.2.3.4', '1::2::3', ':1', '1:', '::', '::1', '12345::',
      '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7::8', '::1.2.3.4.5', 'g::1', '::1%25eth0', 'fe80::1%1']);
  }
  if (g.chance(0.1)) s = s.slice(0, Math.max(1, s.length - 1));
  return '[' + s + (g.chance(0.05) ? '' : ']');
}

function percentEncode(g, host) {
  const bytes = Buffer.from(host, 'utf8');
  let out = '';
  for (const b of bytes) {
    if (g.chance(0.3) || b >= 0x80) out += '%' + b.toString(16).padStart(2, g.chance(0.5) ? '0' : '0');
    else out += String.fromCharCode(b);
  }
  if (g.chance(0.2)) out += g.pick(['%00', '%25', '%2e', '%2E', '%ff', '%C3%9F', '%e2%80%8d', '%2f', '%40']);
  return out;
}

function randomUrl(g, host) {
  const scheme = g.pick(['http', 'http', 'https', 'https', 'ws', 'wss', 'ftp', 'file']);
  if (scheme === 'file') return 'file://' + host + '/share/x';
  let s = scheme + '://';
  if (g.chance(0.1)) s += g.pick(['user@', 'u:p@', 'a%40b@', 'good.test\\@']);
  s += host;
  if (g.chance(0.15)) s += ':' + g.pick(['80', '443', '8080', '', '0', '65535']);
  s += g.pick(['/', '/x?q=1', '', '#f', '/a/../b']);
  return s;
}

function generate(seed) {
  const g = Gen(seed);
  const out = [];
  for (let i = 0; i < 3000; i++) out.push(randomUrl(g, randomDomain(g)));
  for (let i = 0; i < 600; i++) out.push(randomUrl(g, randomIPv4(g)));
  for (let i = 0; i < 300; i++) out.push(randomUrl(g, randomIPv6(g)));
  for (let i = 0; i < 400; i++) out.push(randomUrl(g, percentEncode(g, randomDomain(g))));
  // the examples of the issue, always
  out.push('https://\u2665.fa\u00df.de/', 'https://\u2665.paypa\u03c2.com/', 'https://fa\u1e9e.de/',
    'https://\u1e9e.de/', 'http://./', 'http://foo.09..', 'http://-a-.test/', 'http://xn--ls8h.la/',
    'ws://evil.test/', 'wss://evil.test/', 'ftp://evil.test/', 'file://evil.test/share');
  return out;
}

// ---- the project's URLs -------------------------------------------------------

function corpusUrls(src) {
  const dirs = [path.join(src, 'tests/data/email'), path.join(src, 'tests/data/payloads/html')];
  const re = /(?:https?|wss?|ftp|file):[\\/]{0,4}[^\s"'<>()\]]+/gi;
  const seen = new Set();
  for (const d of dirs) {
    if (!fs.existsSync(d)) continue;
    for (const f of fs.readdirSync(d).sort()) {
      const p = path.join(d, f);
      if (!fs.statSync(p).isFile() || f.endsWith('.expect')) continue;
      const text = fs.readFileSync(p).subarray(0, 4 << 20).toString('utf8');
      const m = text.match(re) || [];
      for (const u of m) if (u.length < 2000) seen.add(u);
    }
  }
  return Array.from(seen).sort();
}

function fuzzInputs(dirs) {
  const out = [];
  let notUtf8 = 0;
  for (const d of dirs) {
    if (!d || !fs.existsSync(d)) continue;
    for (const f of fs.readdirSync(d).sort()) {
      const b = fs.readFileSync(path.join(d, f));
      const s = b.toString('utf8');
      if (!Buffer.from(s, 'utf8').equals(b)) { notUtf8++; continue; }
      out.push(s);
    }
  }
  return { inputs: out, notUtf8 };
}

// ---- comparison -----------------------------------------------------------------

// The normaliser's documented changes to a WHATWG host (README: trailing dots
// go, unless the host is dots only; what is left is read again, so
// "1.2.3.4.." is the address 1.2.3.4).
function documented(h) {
  if (h.startsWith('[')) return h;
  let k = h.length;
  while (k > 0 && h[k - 1] === '.') k--;
  if (k === 0 || k === h.length) return h;
  const s = h.slice(0, k);
  try { return new URL('http://' + s + '/').hostname; } catch (e) { return s; }
}

function oracle(s) {
  try {
    const u = new URL(s);
    return { ok: true, special: SPECIAL.has(u.protocol), host: u.hostname, scheme: u.protocol.slice(0, -1) };
  } catch (e) {
    return { ok: false };
  }
}

function runProbe(probe, inputs) {
  const lines = inputs.map((s) => Buffer.from(s, 'utf8').toString('hex')).join('\n') + '\n';
  const r = cp.spawnSync(probe, [], { input: lines, maxBuffer: 256 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error('url_probe exited with ' + r.status + ': ' + r.stderr);
  const out = r.stdout.toString('utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));
  const meta = out.shift();
  if (out.length !== inputs.length) throw new Error('url_probe answered ' + out.length + ' of ' + inputs.length);
  return { meta, results: out };
}

const IDNA_BIDI = 1 << 2;
const IDNA_PUNYCODE = 1 << 1;
const IDNA_DISALLOWED = 1 << 0;
const IDNA_JOINER = 1 << 3;
const IDNA_MARK = 1 << 4;

// A label of the host ICU mapped that ada refuses even on its own: the two
// disagree on that label's data, not on how a URL is parsed.
function adaRefusesLabel(ours) {
  if (!ours.unicode) return false;
  return ours.unicode.split('.').some((l) => l !== '' && url.domainToASCII(l) === '');
}

function judge(input, ours, node) {
  if (!node.ok) {
    if (!ours.ok) return 'both_refuse';
    // no URL to the oracle: a missing scheme (http assumed) or a UNC path
    if (ours.flags & (F_NO_SCHEME | F_UNC) || !SPECIAL.has(ours.scheme + ':')) return 'skip';
    if (adaRefusesLabel(ours)) return 'doc_ada_label';
    return 'disagree';
  }
  if (!node.special) return 'skip';
  if (!ours.ok) {
    const want = documented(node.host);
    const judged = (ours.lenient || []).indexOf(want) >= 0;
    if (ours.idna === IDNA_BIDI && judged) return 'doc_bidi';
    if (ours.idna === IDNA_PUNYCODE && judged) return 'doc_ascii_punycode';
    if (ours.idna === IDNA_DISALLOWED && ours.unassigned) return 'doc_newer_unicode';
    if (ours.idna === IDNA_MARK) return 'doc_leading_mark';
    if (ours.idna === IDNA_JOINER && judged) return 'doc_joiner';
    return 'disagree';
  }
  if (ours.scheme !== node.scheme) return 'disagree';
  if (ours.host === node.host) return 'agree';
  if (ours.host === documented(node.host)) return 'agree_trailing_dot';
  if ((ours.alt || []).indexOf(documented(node.host)) >= 0) return 'alt_host';
  return 'disagree';
}

function main() {
  const a = parseArgs(process.argv);
  const sets = [
    ['generated', generate(a.seed)],
    ['corpus', corpusUrls(a.source)],
  ];
  const fz = fuzzInputs([path.join(a.source, 'tests/fuzz/seeds/fuzz_urlnorm')].concat(a.fuzz));
  sets.push(['fuzz', fz.inputs]);
  const all = [];
  for (const [name, list] of sets) for (const s of list) all.push([name, s]);
  const { meta, results } = runProbe(a.probe, all.map((x) => x[1]));

  const counts = {};
  const bySet = {};
  const bad = [];
  all.forEach(([set, s], i) => {
    const ours = results[i];
    const node = oracle(s);
    const v = judge(s, ours, node);
    counts[v] = (counts[v] || 0) + 1;
    bySet[set] = bySet[set] || {};
    bySet[set][v] = (bySet[set][v] || 0) + 1;
    if (v === 'disagree') bad.push({ set, s, ours, node });
  });

  const compared = all.length - (counts.skip || 0);
  const agree = (counts.agree || 0) + (counts.agree_trailing_dot || 0) + (counts.both_refuse || 0);
  console.log('oracle: node ' + process.version + ' (ada ' + (process.versions.ada || '?') +
    '), sluice with ICU Unicode ' + meta.unicode);
  console.log('inputs: ' + all.length + ' (' + sets.map(([n, l]) => n + ' ' + l.length).join(', ') +
    '; ' + fz.notUtf8 + ' fuzz inputs that are not UTF-8 left out)');
  console.log('compared (a special-scheme URL to at least one side): ' + compared);
  console.log('agree: ' + agree + ' (same host ' + (counts.agree || 0) + ', same after the trailing-dot rule ' +
    (counts.agree_trailing_dot || 0) + ', both refuse ' + (counts.both_refuse || 0) + ')');
  console.log('reported through alt_host: ' + (counts.alt_host || 0));
  console.log('documented differences: bidi ' + (counts.doc_bidi || 0) + ', ascii punycode ' +
    (counts.doc_ascii_punycode || 0) + ', newer Unicode ' + (counts.doc_newer_unicode || 0) +
    ', leading combining mark ' + (counts.doc_leading_mark || 0) +
    ', joiners ' + (counts.doc_joiner || 0) + ', labels ada refuses ' + (counts.doc_ada_label || 0));
  console.log('undocumented disagreements: ' + bad.length);
  for (const [set, c] of Object.entries(bySet)) console.log('  ' + set + ': ' + JSON.stringify(c));
  for (const b of bad.slice(0, a.show)) {
    console.log('DISAGREE [' + b.set + '] ' + JSON.stringify(b.s) + '\n  node: ' + JSON.stringify(b.node) +
      '\n  sluice: ' + JSON.stringify(b.ours));
  }
  process.exitCode = bad.length === 0 ? 0 : 1;
}

main();

'use strict';
// P2 of the Electrode benchmark suite: Node child_process.fork IPC, no npm packages.
//
//   node fork_peer.js driver <json|advanced> <children>   (started by electrode-bench)
//   node fork_peer.js child                               (forked by the driver)
//
// The driver speaks the runner's protocol: one JSON line per message on stdin/stdout
// (see bench/src/peers/mod.rs). It prints {"ready":{...}} once its children are up, then
// answers every {"cell":{...}} with {"samples_ns":[...]} (W1/W1e) or
// {"elapsed_ns":..,"msgs":..} (W2/W4), and exits on {"quit":true} or EOF.
//
// Messages to a child are the envelope {channel:'bench', args:[P]} itself; control
// messages carry a `ctl` key: {ctl:'S'} W1 (reply {returnValue:true}), {ctl:'E'} W1e
// (echo), {ctl:'T'} one-way (count), {ctl:'A'} reply {count} and reset.
// {ctl:'R',n,size} (W3): send n string envelopes to the parent, then {count:n}.

const { fork } = require('child_process');
const readline = require('readline');
const v8 = require('v8');

// ---- payloads: must match bench/src/payload.rs ----------------------------------------

function stringPayload(n) {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz';
  return alphabet.repeat(Math.ceil(n / 26)).slice(0, n);
}

function binaryPayload(n) {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = i % 251;
  return b;
}

function record(i) {
  const x = (i * 2654435761) % 100000;
  return {
    id: i,
    name: `item-${x}`,
    score: parseFloat(`${x % 997}.${String(x % 1000).padStart(3, '0')}`),
    tags: [`a${x % 13}`, `b${x % 7}`, 'c'],
    ok: x % 2 === 0,
    nested: { x, y: -i, label: `label text number ${x} with some words` },
  };
}

function envelope(cell) {
  switch (cell.payload) {
    case 'empty': return { channel: 'bench', args: [] };
    case 'string': return { channel: 'bench', args: [stringPayload(cell.size)] };
    case 'structured': {
      const recs = new Array(cell.records);
      for (let i = 0; i < cell.records; i++) recs[i] = record(i);
      return { channel: 'bench', args: [recs] };
    }
    case 'binary': return { channel: 'bench', args: [binaryPayload(cell.size)] };
    default: throw new Error(`unknown payload ${cell.payload}`);
  }
}

function wireBytes(env, serialization) {
  return serialization === 'json'
    ? Buffer.byteLength(JSON.stringify(env))
    : v8.serialize(env).length;
}

// ---- child -------------------------------------------------------------------------------

function childMain() {
  const REPLY = { returnValue: true };
  let mode = 'S';
  let count = 0;
  process.on('message', (m) => {
    if (m.ctl !== undefined) {
      if (m.ctl === 'A') {
        process.send({ count });
        count = 0;
      } else if (m.ctl === 'R') {
        sendMany(m.n, m.size).catch((e) => {
          process.stderr.write(`fork_peer child: ${(e && e.stack) || e}\n`);
          process.exit(1);
        });
      } else {
        mode = m.ctl;
      }
      return;
    }
    if (mode === 'S') process.send(REPLY);
    else if (mode === 'E') process.send(m);
    else if (mode === 'T') count++;
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true });
}

// W3: n messages to the parent, serialized one by one (process.send), yielding on
// backpressure, then {count: n}.
async function sendMany(n, size) {
  const env = { channel: 'bench', args: [stringPayload(size)] };
  for (let i = 0; i < n; i++) {
    if (!process.send(env)) await yieldNow();
  }
  process.send({ count: n });
}

// ---- driver ------------------------------------------------------------------------------

function yieldNow() {
  return new Promise((resolve) => setImmediate(resolve));
}

function nextMessage(kid) {
  return new Promise((resolve) => { kid.handler = resolve; });
}

// Round trips: t0 before send (serialization happens inside send), t1 when the reply has
// been deserialized and delivered.
function rttLoop(kid, msg, warmup, n, capMs, check) {
  return new Promise((resolve, reject) => {
    const samples = [];
    const total = warmup + n;
    const capNs = BigInt(Math.max(1, capMs)) * 1000000n;
    let i = 0;
    let t0 = 0n;
    let start = 0n;
    kid.handler = (reply) => {
      const t1 = process.hrtime.bigint();
      if (i >= warmup) samples.push(Number(t1 - t0));
      if (i === 0 && !check(reply)) {
        kid.handler = null;
        reject(new Error(`unexpected reply ${JSON.stringify(reply).slice(0, 200)}`));
        return;
      }
      i++;
      if (i === warmup) start = t1;
      if (i >= total || (i > warmup && t1 - start > capNs)) {
        kid.handler = null;
        resolve(samples);
        return;
      }
      t0 = process.hrtime.bigint();
      kid.send(msg);
    };
    start = process.hrtime.bigint();
    t0 = start;
    kid.send(msg);
  });
}

// One-way: idiomatic per-message send, yielding when send() reports backpressure, then
// one ack request per child and wait for every ack.
async function oneWay(kids, msg, n) {
  for (const k of kids) k.send({ ctl: 'T' });
  for (let i = 0; i < n; i++) {
    for (const k of kids) {
      if (!k.send(msg)) await yieldNow();
    }
  }
  const acks = kids.map((k) => nextMessage(k));
  for (const k of kids) k.send({ ctl: 'A' });
  const got = await Promise.all(acks);
  for (const a of got) {
    if (a.count !== n) throw new Error(`ack ${a.count} != sent ${n}`);
  }
}

async function runCell(kids, serialization, cell) {
  const env = envelope(cell);
  const out = { wire_bytes: wireBytes(env, serialization) };
  const kid = kids[0];
  if (cell.workload === 'W1' || cell.workload === 'W1e') {
    const sync = cell.workload === 'W1';
    kid.send({ ctl: sync ? 'S' : 'E' });
    const check = sync
      ? (r) => r && r.returnValue === true
      : (r) => r && r.channel === 'bench' && Array.isArray(r.args) && r.args.length === env.args.length;
    out.samples_ns = await rttLoop(kid, env, cell.warmup, cell.n, cell.cap_ms, check);
  } else if (cell.workload === 'W2' || cell.workload === 'W4') {
    await oneWay(kids, env, cell.warmup);
    const t0 = process.hrtime.bigint();
    await oneWay(kids, env, cell.n);
    out.elapsed_ns = Number(process.hrtime.bigint() - t0);
    out.msgs = cell.n;
    out.deliveries = cell.n * kids.length;
  } else if (cell.workload === 'W3') {
    const recv = (n) => new Promise((resolve, reject) => {
      let got = 0;
      kid.handler = (m) => {
        if (m && m.count !== undefined) {
          kid.handler = null;
          if (m.count !== n || got !== n) reject(new Error(`W3: received ${got} of ${n}`));
          else resolve();
          return;
        }
        if (!m || m.channel !== 'bench') {
          kid.handler = null;
          reject(new Error('W3: unexpected message'));
          return;
        }
        got++;
      };
      kid.send({ ctl: 'R', n, size: cell.size });
    });
    await recv(cell.warmup);
    const t0 = process.hrtime.bigint();
    await recv(cell.n);
    out.elapsed_ns = Number(process.hrtime.bigint() - t0);
    out.msgs = cell.n;
    out.deliveries = cell.n;
  } else {
    throw new Error(`unknown workload ${cell.workload}`);
  }
  return out;
}

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

async function driverMain(serialization, children) {
  const kids = [];
  const ready = [];
  for (let i = 0; i < children; i++) {
    // The child's stdout must not reach the runner's pipe: send it to our stderr.
    const kid = fork(__filename, ['child'], { serialization, stdio: ['ignore', 2, 2, 'ipc'] });
    kid.handler = null;
    kid.on('message', (m) => {
      const h = kid.handler;
      if (h) h(m);
    });
    kid.on('exit', (code, signal) => {
      if (!quitting) {
        process.stderr.write(`fork_peer: child ${kid.pid} exited (${code ?? signal})\n`);
        process.exit(1);
      }
    });
    ready.push(nextMessage(kid));
    kids.push(kid);
  }
  await Promise.all(ready);
  const pids = kids.map((k) => k.pid);
  emit({
    ready: {
      measure: { pid: process.pid, tid: process.pid },
      other: { pid: pids[0], tid: pids[0] },
      measure_pids: [process.pid],
      other_pids: pids,
    },
  });
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const req = JSON.parse(line);
    if (req.quit !== undefined) break;
    let res;
    try {
      res = await runCell(kids, serialization, req.cell);
    } catch (e) {
      res = { error: String((e && e.stack) || e) };
    }
    emit(res);
  }
  quitting = true;
  for (const k of kids) k.disconnect();
  process.exit(0);
}

let quitting = false;

if (process.argv[2] === 'child') {
  childMain();
} else if (process.argv[2] === 'driver') {
  const serialization = process.argv[3] || 'json';
  const children = parseInt(process.argv[4] || '1', 10);
  driverMain(serialization, children).catch((e) => {
    process.stderr.write(`fork_peer: ${(e && e.stack) || e}\n`);
    process.exit(1);
  });
} else {
  process.stderr.write('usage: node fork_peer.js driver <json|advanced> <children>\n');
  process.exit(2);
}

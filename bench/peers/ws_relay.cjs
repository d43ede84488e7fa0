#!/usr/bin/env node
// ws_relay.cjs -- the Node.js peer for bench/run (issue 6): what many teams would write instead
// of carehost. A room per ?room=NAME; every text message is relayed to everyone in the room,
// the sender included. Usage: node ws_relay.cjs [--host 127.0.0.1] [--port 0] [--port-file FILE]
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const { WebSocketServer } = require('ws');

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : dflt;
};

const rooms = new Map(); // name -> Set of sockets
const server = http.createServer((req, res) => { res.writeHead(404); res.end(); });
const wss = new WebSocketServer({ server, perMessageDeflate: false });

wss.on('connection', (ws, req) => {
  const m = /[?&]room=([^&]*)/.exec(req.url || '');
  const name = m ? decodeURIComponent(m[1]) : '';
  let room = rooms.get(name);
  if (!room) rooms.set(name, (room = new Set()));
  room.add(ws);
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    for (const peer of room) if (peer.readyState === 1) peer.send(data, { binary: false });
  });
  ws.on('close', () => {
    room.delete(ws);
    if (room.size === 0 && rooms.get(name) === room) rooms.delete(name);
  });
  ws.on('error', () => {});
});

server.listen(Number(arg('port', '0')), arg('host', '127.0.0.1'), () => {
  const file = arg('port-file');
  if (file) fs.writeFileSync(file, `${server.address().port}\n`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));

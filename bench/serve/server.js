// The seed's static server for bench/serve: Express with express.static on
// one folder and nothing else (the seed's /img route is left out: only the
// static files are measured). Listens on 127.0.0.1 only.
//
//   NODE_PATH=bench/work/node_modules node bench/serve/server.js DIR [PORT]
'use strict';
const express = require('express');

const dir = process.argv[2];
const port = Number(process.argv[3] || 18081);
if (!dir) {
  console.error('usage: node server.js DIR [PORT]');
  process.exit(2);
}
const app = express();
app.use(express.static(dir));
const server = app.listen(port, '127.0.0.1', () => {
  console.log(`express: serving ${dir} at http://127.0.0.1:${port}/`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

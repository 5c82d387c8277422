// Sends one notification to every subscription in the data file with the
// web-push npm package, 50 (or the file's concurrency) in flight over a
// keep-alive agent, for the given number of rounds, and prints one JSON line
// {"rates": [...], "errors": n}. Run by bench/push/webpush-node.sh.
'use strict';
const fs = require('node:fs');
const https = require('node:https');
const path = require('node:path');
const webpush = require(path.join(__dirname, '..', 'work', 'node_modules', 'web-push'));

async function main() {
  const data = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const subs = data.subscriptions;
  const agent = new https.Agent({
    keepAlive: true,
    maxSockets: data.concurrency,
    ca: fs.readFileSync(data.ca),
  });
  const options = {
    vapidDetails: {
      subject: data.subject,
      publicKey: data.vapid.publicKey,
      privateKey: data.vapid.privateKey,
    },
    TTL: 3600,
    agent,
  };
  const rates = [];
  let errors = 0;
  for (let round = 1; round <= data.rounds; round++) {
    let next = 0;
    const start = process.hrtime.bigint();
    const worker = async () => {
      while (next < subs.length) {
        const sub = subs[next++];
        try {
          await webpush.sendNotification(sub, data.payload, options);
        } catch (err) {
          if (errors++ < 3) console.error('web-push error:', err.statusCode || '', err.message);
        }
      }
    };
    await Promise.all(Array.from({ length: data.concurrency }, worker));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const rate = subs.length / seconds;
    console.log(`  web-push round ${round}: ${subs.length} in ${(seconds * 1000).toFixed(0)}ms = ${rate.toFixed(0)}/s`);
    rates.push(rate);
  }
  agent.destroy();
  console.log(JSON.stringify({ rates, errors }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

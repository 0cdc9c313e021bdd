'use strict';
// Sends the client scenario of test/e2e/clients_scenario_test.go through
// hot-shots, then a DogStatsD event and service check (the agent skips both).
//
// Where to is hot-shots' own environment: DD_AGENT_HOST and DD_DOGSTATSD_PORT
// (UDP), or DD_DOGSTATSD_URL=unix:///path (the agent's Unix datagram socket;
// needs the optional module unix-dgram). STATSD_PREFIX prefixes every name.
// Exits 1 on any error the client reports.
const StatsD = require('hot-shots');

// hot-shots sends a sampled call when Math.random() < rate. A fixed coin
// (0.25, 0.75, 0.25, ...) against rate 0.5 makes it send the 1st, 3rd, ...
// sampled call: exact, never flaky. The flips are counted so that a hot-shots
// that stops using Math.random fails here instead of flaking in the test.
let flips = 0;
Math.random = () => (++flips % 2 === 1 ? 0.25 : 0.75);

const errors = [];
const client = new StatsD({
  prefix: process.env.STATSD_PREFIX,
  includeDatadogTelemetry: false, // its own datadog.dogstatsd.client.* metrics would be CloudWatch metrics too
  errorHandler: (err) => errors.push(err),
});
const tags = { env: 'prod', svc: 'checkout' };
const done = (err) => err && errors.push(err);

client.increment('orders', 1, tags, done);
client.increment('orders', 4, tags, done);
client.decrement('orders', 2, tags, done);
for (let i = 0; i < 10; i++) client.increment('hits', 1, 0.5, done);
for (let ms = 10; ms <= 100; ms += 10) client.timing('latency', ms, 0.5, tags, done);
client.timing('render', 12.5, done);
client.gauge('queue', 7, done);
client.gaugeDelta('queue', 5, done);
client.gaugeDelta('queue', -2, done);
for (const user of ['alice', 'bob', 'alice']) client.set('users', user, done);
client.event('deploy', 'skipped by the agent', {}, done);
client.check('db.up', client.CHECKS.OK, {}, done);

client.close((err) => {
  done(err);
  if (flips !== 20) errors.push(new Error(`hot-shots flipped the coin ${flips} times, want 20`));
  if (errors.length) {
    for (const e of errors) console.error('send.js:', e && e.stack ? e.stack : e);
    process.exit(1);
  }
});

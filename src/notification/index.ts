// Server-initiated sessions (project issue 11, docs/protocol.md §8): package 0 from UDP, HTTP or an SMS spool, verified,
// de-duplicated and queued for the daemon, which asks planNotifiedSession whether (and how) to start the session.
export * from './errors.js';
export * from './pkg0.js';
export * from './verify.js';
export * from './wsp.js';
export * from './envelope.js';
export * from './dedup.js';
export * from './queue.js';
export * from './intake.js';
export * from './plan.js';
export * from './config.js';
export * from './spool.js';
export * from './serve.js';

// The porting page: everything the runtime-free core (src/) needs from a runtime or a device, one file per area.
// A new gateway or runtime implements these interfaces and nothing else; platform/node and platform/quickjs are two
// complete examples, each a set of thin system-call adapters. docs/architecture.md shows where each one is used.
//
//   platform.ts      PlatformPorts (all of the below for one configuration, plus the daemon's signals and its
//                    daemon.lock) and CliHost (the command line's I/O): the two things a runtime's entry point builds.
//   runtime.ts       Transport (one HTTP POST per DM message, bounded in bytes and time), Storage (durable files:
//                    atomic replace with fsync), StateLock, Clock, Random, Log, DeviceInfoReader, UserInterface,
//                    JsonStore; RuntimePorts bundles what every command needs.
//   update.ts        Downloader (package GET into a file, resumable), StagingFiles, Rebooter, HealthCheck, and the
//                    FlashWriter shape the core's writers share.
//   writers.ts       WriterFs/WriterFile (file and block-device I/O with fsync and directory sync) for the flash
//                    writers written once in src/update/writers/ (U-Boot A/B, single file with backup, installers).
//   commands.ts      CommandRunner: run a program without a shell (fw_setenv, rauc, dpkg, reboot, health check).
//   fumo.ts          FumoAdapters: the above as FUMO composes them.
//   scomo.ts         ScomoPorts (runner, inventory files, download, package files) and the Installer shape.
//   inventory.ts     Component, InventorySource, InventoryFiles (what is installed).
//   device.ts        DeviceFileAccess (/proc, /sys, os-release under sysRoot).
//   triggers.ts      ButtonStarter (evdev or GPIO button) and Timer for the core's button logic.
//   ui.ts            LineTerminal for the text UI of DM UI alerts.
//   notification.ts  the package-0 listeners' receiver, and SpoolFs for files dropped in a spool folder (also the
//                    request spool a `dm-agent request` hands to the daemon through, docs/handoff.md).
//   large-object.ts  LargeObjectSink/LargeObjectInfo: a tree node that takes a large object chunk by chunk (the
//                    executor in src/dm and the tree in src/tree both name it; neither may import the other).
// The page imports one thing from the core: the configuration's type (src/config.ts), which PlatformPorts is built for.
//
// What the core assumes of every port: calls that can block return a Promise; bytes are Uint8Array; times are
// milliseconds since the Unix epoch; a failure rejects with an Error whose message names what failed (a port never
// retries on its own); nothing written is durable before the port's own sync says so. Each file says more.

export type * from './platform.js';
export type * from './runtime.js';
export type * from './update.js';
export type * from './writers.js';
export type * from './commands.js';
export type * from './fumo.js';
export type * from './scomo.js';
export type * from './inventory.js';
export type * from './device.js';
export type * from './triggers.js';
export type * from './ui.js';
export type * from './notification.js';
export type * from './large-object.js';

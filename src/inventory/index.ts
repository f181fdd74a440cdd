export * from './component.js';
export * from './control-file.js';
export * from './package-status.js';
export * from './dpkg-status.js';
export * from './opkg-status.js';
export * from './manifest.js';
export * from './source.js';

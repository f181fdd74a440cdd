export * from './command.js';
export * from './dpkg.js';
export * from './opkg.js';
export * from './script.js';
export * from './service.js';
export * from './route.js';

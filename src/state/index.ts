// Durable state over the Storage port (versioned, checksummed, with a previous copy to recover from).
export { DurableStore, type DurableStoreOptions, type RecoveryReport, StateCorruptError, StateNameError } from './durable-store.js';
export { openDocument, sealDocument, STATE_FORMAT_VERSION, StateFormatError } from './envelope.js';
export { MemoryStorage } from './memory-storage.js';

// What the command line needs from the runtime it runs on: CliHost, declared on the porting page (src/ports/platform.ts).
export type { CliHost } from '../ports/platform.js';

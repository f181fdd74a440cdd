// The state directory holds the DM account's secrets and nonces (OMA-TS-DM_Security-V1_2: credentials are the
// device's to keep) and staged firmware that the agent will flash. If another user can write it, that user can swap
// the staged image or the DM tree between the agent's checks and its use, so such a directory is refused outright.
import { ConfigError } from '../config.js';

/** Mode bits of a directory that someone besides its owner may write (group or others). */
const FOREIGN_WRITE = 0o022;

/** Throws a ConfigError (exit 3) naming the directory and its mode when group or others may write it. */
export function checkStateDirMode(dir: string, mode: number): void {
  if ((mode & FOREIGN_WRITE) === 0) return;
  const octal = (mode & 0o7777).toString(8).padStart(4, '0');
  throw new ConfigError('stateDir', `the state directory ${dir} is writable by ${mode & 0o020 ? (mode & 0o002 ? 'group and others' : 'its group') : 'others'} (mode ${octal}); make it private: chmod 700 ${dir}`);
}

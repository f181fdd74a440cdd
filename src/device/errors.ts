/** The `device` configuration is wrong (names the key and what was expected). */
export class DeviceConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceConfigError';
  }
}

/** A fact the configuration asks for cannot be found on this device (names what was looked for and where). */
export class DeviceFactError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceFactError';
  }
}

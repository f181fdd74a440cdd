// OMA DL install-notify (docs/protocol.md §7.2): POST `<code> <text>` to installNotifyURI, Content-Type text/plain
// ([UNCONFIRMED] in the digest, §9 #13). The report is best effort: a failed POST never changes the FUMO result.

export const InstallNotify = {
  Success: 900,
  InsufficientMemory: 901,
  UserCancelled: 902,
  LossOfService: 903,
  AttributeMismatch: 905,
  InvalidDescriptor: 906,
  InvalidDDVersion: 951,
  DeviceAborted: 952,
  NonAcceptableContent: 953,
  LoaderError: 954,
} as const;

const TEXT: Record<number, string> = {
  900: 'Success',
  901: 'Insufficient memory',
  902: 'User Cancelled',
  903: 'Loss of Service',
  905: 'Attribute mismatch',
  906: 'Invalid descriptor',
  951: 'Invalid DDVersion',
  952: 'Device Aborted',
  953: 'Non-Acceptable Content',
  954: 'Loader Error',
};

/** The status line sent as the POST body, e.g. `900 Success`. */
export function installNotifyBody(code: number): string {
  const t = TEXT[code];
  if (t === undefined) throw new RangeError(`unknown install-notify status ${code} (expected 900-954, docs/protocol.md §7.2)`);
  return `${code} ${t}`;
}

/** Chooses the install-notify status for a FUMO result code (inverse of the docs/protocol.md §7.2 suggested mapping). */
export function notifyCodeForResult(resultCode: number): number {
  if (resultCode >= 200 && resultCode < 300) return InstallNotify.Success;
  switch (resultCode) {
    case 401:
      return InstallNotify.UserCancelled;
    case 402:
    case 403:
      return InstallNotify.AttributeMismatch;
    case 404:
    case 405:
      return InstallNotify.NonAcceptableContent;
    case 411:
      return InstallNotify.InvalidDescriptor;
    case 501:
    case 502:
      return InstallNotify.InsufficientMemory;
    case 503:
    case 407:
    case 412:
      return InstallNotify.LossOfService;
    case 406:
    case 500:
      return InstallNotify.LoaderError;
    default:
      return InstallNotify.DeviceAborted;
  }
}

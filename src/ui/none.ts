// `ui.mode: "none"`: the device has no user interaction at all; every UI alert is answered 406 "optional feature not
// supported" (docs/protocol.md §1.6, §1.8).
import type { UiAnswer, UiRequest, UserInterface } from '../ports/runtime.js';

export class NoUi implements UserInterface {
  ask(_request: UiRequest): Promise<UiAnswer> {
    return Promise.resolve({ kind: 'unsupported' });
  }
}

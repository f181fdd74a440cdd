// User interaction (DM 1.2 alerts 1100-1104, docs/protocol.md §1.8): parse, answer, queue, headless defaults, config.
export { parseUiAlert, isUiAlertCode, choiceDefaults, UI_ALERT, DEFAULT_UI_LIMITS, type UiLimits, type ParsedUiAlert } from './alert.js';
export { uiStatus, type UiStatus } from './status.js';
export { parseUiParams, formDecode, type UiParams, type InputType, type EchoType } from './params.js';
export { checkTextInput, formatDate, formatTime, formatIpv4, type TextCheck } from './input.js';
export { BoundedUiQueue } from './queue.js';
export { HeadlessUi, DEFAULT_HEADLESS, type HeadlessDefaults, type ConfirmDefault } from './headless.js';
export { parseUiConfig, UiConfigError, type UiConfig, type UiMode } from './config.js';
export { NoUi } from './none.js';
export { runDialog, type LineTerminal, type LineResult } from './dialog.js';
export { answerUiAlert } from './handle.js';

// Every section of the configuration checked when a command loads it, before anything runs. The sections owned by
// other modules (device, fumo, scomo, download, triggers, ui, notifications) are otherwise read only when their
// feature starts, so a typo in one could pass `daemon --once` unnoticed and only stop the agent later, in the field.
// Each parser throws its own error naming the key (exit 3, src/cli/errors.ts); the parsed values are not kept:
// the features parse their section again when they start, from the same text.
import type { AgentConfig } from '../config.js';
import { parseDeviceConfig } from '../device/config.js';
import { parseFumoConfig } from '../agent/fumo-config.js';
import { parseScomoConfig } from '../scomo/config.js';
import { parseDownloadConfig } from '../update/download-config.js';
import { parseTriggersConfig } from '../triggers/config.js';
import { parseUiConfig } from '../ui/config.js';
import { parseNotificationConfig } from '../notification/config.js';

export function validateSections(config: AgentConfig): void {
  parseDeviceConfig(config.device);
  parseFumoConfig(config.fumo, config.stateDir);
  parseScomoConfig(config.scomo, config.stateDir);
  parseDownloadConfig(config.download);
  parseTriggersConfig(config.triggers);
  parseUiConfig(config.ui);
  parseNotificationConfig(config.notifications);
}

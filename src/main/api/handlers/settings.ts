/** Handlers for device and team settings. */
import { getSettings, updateSettings } from '../../services/settings/settings';
import type { HandlersFor } from './types';
import type { settingsCalls } from '../../../shared/api/settings';

export const settingsHandlers: HandlersFor<typeof settingsCalls> = {
  'settings.get': (ctx) => getSettings(ctx),
  'settings.update': (ctx, input) => updateSettings(ctx, input),
};

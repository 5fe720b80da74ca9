/** The drawing for each catalogue icon name. */
import { IconApps, IconDeviceLaptop, IconHelp, IconKey, IconMail, IconPackage, IconPhone, IconPrinter, IconUser, IconWifi } from '@tabler/icons-react';
import type { CatalogueIcon } from '../../../shared/catalogue/items';

export const CATALOGUE_ICON_DRAWINGS: Record<CatalogueIcon, typeof IconHelp> = {
  laptop: IconDeviceLaptop,
  key: IconKey,
  apps: IconApps,
  phone: IconPhone,
  printer: IconPrinter,
  user: IconUser,
  mail: IconMail,
  wifi: IconWifi,
  package: IconPackage,
  help: IconHelp,
};

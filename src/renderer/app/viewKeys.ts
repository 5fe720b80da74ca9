/**
 * The second key of each queue view's `g` sequence. Its own module so screens can show the keys
 * without importing the navigation (which imports the screens).
 */
import type { QueueView } from '../../shared/api/tickets';

export const VIEW_KEYS: Record<QueueView, string> = {
  my_work: 'm',
  unassigned: 'u',
  all_open: 'o',
  breaching_soon: 'b',
  recently_resolved: 'r',
  all: 't',
};

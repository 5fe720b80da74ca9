/** Handlers for people, groups and sites. */
import { createUser, getUser, listUsers, updateUser } from '../../services/directory/users';
import { createGroup, listGroups, updateGroup } from '../../services/directory/groups';
import { createSite, listSites, updateSite } from '../../services/directory/sites';
import type { HandlersFor } from './types';
import type { directoryCalls } from '../../../shared/api/directory';

export const directoryHandlers: HandlersFor<typeof directoryCalls> = {
  'users.list': (ctx, input) => ({ items: listUsers(ctx, input) }),
  'users.create': (ctx, input) => createUser(ctx, input),
  'users.update': (ctx, input) => {
    getUser(ctx, input.id);
    return updateUser(ctx, input.id, input.fields);
  },
  'groups.list': (ctx) => ({ items: listGroups(ctx) }),
  'groups.create': (ctx, input) => createGroup(ctx, input),
  'groups.update': (ctx, input) => updateGroup(ctx, input.id, input.fields),
  'sites.list': (ctx) => ({ items: listSites(ctx) }),
  'sites.create': (ctx, input) => createSite(ctx, input),
  'sites.update': (ctx, input) => updateSite(ctx, input.id, input.fields),
};

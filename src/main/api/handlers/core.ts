/** The handler table: one function per call in the contract, each delegating to services. */
import { requireActor } from '../../services/core/write';
import { initialize, setupStatus } from '../../services/setup/setup';
import { keepConfirmedPassword, login, logout, needsServerSignIn } from '../../services/auth/sessions';
import { changeOwnPassword, createUser, getUser, listUsers, updateUser } from '../../services/directory/users';
import { createGroup, listGroups, updateGroup } from '../../services/directory/groups';
import { createSite, listSites, updateSite } from '../../services/directory/sites';
import { getSettings, updateSettings } from '../../services/settings/settings';
import {
  bulkTickets,
  commentTicket,
  createTicket,
  getTicketByNumber,
  getTicketDetail,
  transitionTicket,
  updateTicket,
  worklogTicket,
} from '../../services/tickets/tickets';
import { listTickets, viewCounts } from '../../services/tickets/queue';
import { tagTicket, untagTicket } from '../../services/tickets/tags';
import { unwatchTicket, watchTicket } from '../../services/tickets/watchers';
import { linkTickets, unlinkTickets } from '../../services/tickets/links';
import { deleteView, listViews, saveView } from '../../services/tickets/views';
import { searchTickets } from '../../services/search/search';
import { auditFacets, exportAudit, getAuditEvent, listAudit, searchAudit, verifyAudit } from '../../services/audit/audit';
import { loadSampleData } from '../../services/setup/sample';
import { syncClientFor } from '../../sync/registry';
import { AppError } from '../../../shared/result';

import type { HandlersFor } from './types';
import type { setupCalls, sessionCalls } from '../../../shared/api/setup';
import type { directoryCalls } from '../../../shared/api/directory';
import type { settingsCalls } from '../../../shared/api/settings';
import type { ticketsCalls } from '../../../shared/api/tickets';
import type { auditCalls } from '../../../shared/api/audit';

type CoreCalls = typeof setupCalls & typeof sessionCalls & typeof directoryCalls & typeof settingsCalls & typeof ticketsCalls & typeof auditCalls;

export const coreHandlers: HandlersFor<CoreCalls> = {
  'setup.status': (ctx) => setupStatus(ctx),
  'setup.init': (ctx, input) => {
    const session = initialize(ctx, input);
    if (input.sampleData) {
      const actor = { ...session.user };
      loadSampleData({ ...ctx, actor, call: 'setup.init' }, { tickets: 2000 });
    }
    return session;
  },
  'session.login': (ctx, input) => {
    try {
      return login(ctx, input.username, input.password);
    } catch (e) {
      // A person who arrived through sync has no password on this device yet (hashes never travel):
      // the server checks it once, and the device keeps it for offline sign-in from then on.
      const client = syncClientFor(ctx);
      if (!(e instanceof AppError) || e.code !== 'unauthenticated' || !client.joined() || !needsServerSignIn(ctx, input.username)) throw e;
      return client.verifyPerson(input.username, input.password).then(() => {
        keepConfirmedPassword(ctx, input.username, input.password);
        return login(ctx, input.username, input.password);
      });
    }
  },
  'session.logout': (ctx, _input, req) => {
    if (req.token) logout(ctx, req.token);
    return { done: true };
  },
  'session.me': (ctx) => {
    const a = requireActor(ctx);
    return { id: a.id, username: a.username, displayName: a.displayName, role: a.role, siteIds: a.siteIds };
  },
  'session.changePassword': (ctx, input) => {
    const sync = syncClientFor(ctx);
    const joinedAs = sync.joined() ? sync.status().username : null;
    if (joinedAs === null) {
      changeOwnPassword(ctx, input.current, input.next);
      return { done: true };
    }
    // Joined to a server: the account the device joined with changes its password there (the
    // server checks the current one), then here; another local user's changes on this device only.
    if (joinedAs !== requireActor(ctx).username) {
      changeOwnPassword(ctx, input.current, input.next, { local: true });
      return { done: true };
    }
    return sync.changePassword(input.current, input.next).then(() => {
      changeOwnPassword(ctx, input.current, input.next, { local: true, verifiedByServer: true });
      return { done: true as const };
    });
  },
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
  'settings.get': (ctx) => getSettings(ctx),
  'settings.update': (ctx, input) => updateSettings(ctx, input),
  'tickets.create': (ctx, input) => createTicket(ctx, input),
  'tickets.get': (ctx, input) => getTicketDetail(ctx, input.id),
  'tickets.getByNumber': (ctx, input) => getTicketByNumber(ctx, input.number),
  'tickets.update': (ctx, input) => updateTicket(ctx, input.id, input.fields),
  'tickets.transition': (ctx, input) => {
    const { id, ...rest } = input;
    return transitionTicket(ctx, id, rest);
  },
  'tickets.comment': (ctx, input) => commentTicket(ctx, input.id, input.body, input.internal),
  'tickets.worklog': (ctx, input) => worklogTicket(ctx, input.id, input.minutes, input.note),
  'tickets.bulk': (ctx, input) => bulkTickets(ctx, input.ids, input.action),
  'tickets.list': (ctx, input) => listTickets(ctx, input),
  'tickets.tag': (ctx, input) => tagTicket(ctx, input.id, input.tag),
  'tickets.untag': (ctx, input) => untagTicket(ctx, input.id, input.tag),
  'tickets.watch': (ctx, input) => watchTicket(ctx, input.id, input.userId),
  'tickets.link': (ctx, input) => linkTickets(ctx, input.id, input.otherId, input.kind),
  'tickets.unlink': (ctx, input) => unlinkTickets(ctx, input.id, input.otherId, input.kind),
  'tickets.unwatch': (ctx, input) => unwatchTicket(ctx, input.id, input.userId),
  'tickets.counts': (ctx) => ({ items: viewCounts(ctx) }),
  'views.list': (ctx) => ({ items: listViews(ctx) }),
  'views.save': (ctx, input) => saveView(ctx, input),
  'views.delete': (ctx, input) => {
    deleteView(ctx, input.id);
    return { done: true };
  },
  'search.query': (ctx, input) => ({ items: searchTickets(ctx, input.text, input.limit) }),
  'audit.list': (ctx, input) => listAudit(ctx, input),
  'audit.search': (ctx, input) => searchAudit(ctx, input),
  'audit.get': (ctx, input) => getAuditEvent(ctx, input.seq),
  'audit.facets': (ctx) => auditFacets(ctx),
  'audit.export': (ctx, input) => exportAudit(ctx, input),
  'audit.verify': (ctx) => verifyAudit(ctx),
};

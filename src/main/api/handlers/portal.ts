/** Handlers for the requester portal in the app (the server answers the same calls at /portal). */
import type { portalCalls } from '../../../shared/api/portal';
import type { HandlersFor } from './types';
import { loadCatalogue } from '../../services/portal/catalogue';
import { myTickets, portalArticle, portalArticles, portalPicture, portalComment, portalMove, portalTicket, submitRequest } from '../../services/portal/portal';

export const portalHandlers: HandlersFor<typeof portalCalls> = {
  'portal.catalogue': (ctx) => ({ items: loadCatalogue(ctx.store.sqlite, true) }),
  'portal.submit': (ctx, input) => submitRequest(ctx, input),
  'portal.myTickets': (ctx) => ({ items: myTickets(ctx) }),
  'portal.ticket': (ctx, input) => portalTicket(ctx, input.id),
  'portal.articles': (ctx, input) => ({ items: portalArticles(ctx, input.q) }),
  'portal.article': (ctx, input) => portalArticle(ctx, input.id),
  'portal.picture': (ctx, input) => portalPicture(ctx, input.articleId, input.sha256),
  'portal.comment': (ctx, input) => {
    portalComment(ctx, input.id, input.body);
    return { ok: true as const };
  },
  'portal.move': (ctx, input) => {
    portalMove(ctx, input.id, input.move, input.reason);
    return { ok: true as const };
  },
};

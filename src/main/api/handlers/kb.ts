/** Handlers for the knowledge base. */
import type { kbCalls } from '../../../shared/api/kb';
import type { HandlersFor } from './types';
import { addImage, articleImage, articlesForTicket, createArticle, getArticle, listArticles, markSolved, moveArticle, searchArticles, suggestArticles, updateArticle } from '../../services/kb/kb';

export const kbHandlers: HandlersFor<typeof kbCalls> = {
  'kb.search': (ctx, input) => searchArticles(ctx, input),
  'kb.list': (ctx, input) => listArticles(ctx, input),
  'kb.get': (ctx, input) => getArticle(ctx, input.id),
  'kb.create': (ctx, input) => createArticle(ctx, input),
  'kb.update': (ctx, input) => updateArticle(ctx, input),
  'kb.move': (ctx, input) => moveArticle(ctx, input.id, input.to),
  'kb.suggest': (ctx, input) => suggestArticles(ctx, input.text, input.limit),
  'kb.solved': (ctx, input) => markSolved(ctx, input),
  'kb.addImage': (ctx, input) => addImage(ctx, input),
  'kb.image': (ctx, input) => articleImage(ctx, input.sha256, input.articleId),
  'kb.forTicket': (ctx, input) => articlesForTicket(ctx, input.ticketId),
};

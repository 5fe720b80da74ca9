/** Handlers for change management. */
import type { changesCalls } from '../../../shared/api/changes';
import type { HandlersFor } from './types';
import { approvalPolicy, changeCalendar, createChange, getChange, linkChangeAsset, listChanges, moveChange, setApprovalPolicy, updateChange, voteChange } from '../../services/changes/changes';

export const changesHandlers: HandlersFor<typeof changesCalls> = {
  'changes.create': (ctx, input) => createChange(ctx, input),
  'changes.update': (ctx, input) => updateChange(ctx, input),
  'changes.get': (ctx, input) => getChange(ctx, input.id),
  'changes.list': (ctx, input) => listChanges(ctx, input),
  'changes.move': (ctx, input) => moveChange(ctx, input),
  'changes.vote': (ctx, input) => voteChange(ctx, input),
  'changes.linkAsset': (ctx, input) => linkChangeAsset(ctx, input),
  'changes.calendar': (ctx, input) => changeCalendar(ctx, input),
  'changes.policy': (ctx) => approvalPolicy(ctx.store.sqlite),
  'changes.setPolicy': (ctx, input) => setApprovalPolicy(ctx, input),
};

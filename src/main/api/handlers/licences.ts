/** Handlers for software products, licence entitlements, assignments, compliance and renewals. */
import type { licencesCalls } from '../../../shared/api/licences';
import type { HandlersFor } from './types';
import {
  assignSeat,
  compliance,
  createEntitlement,
  createProduct,
  getEntitlement,
  listEntitlements,
  listProducts,
  renewals,
  unassignSeat,
  updateEntitlement,
  updateProduct,
} from '../../services/licences/licences';

export const licencesHandlers: HandlersFor<typeof licencesCalls> = {
  'licences.products': (ctx, input) => ({ items: listProducts(ctx, input.text) }),
  'licences.createProduct': (ctx, input) => createProduct(ctx, input),
  'licences.updateProduct': (ctx, input) => updateProduct(ctx, input.id, input.fields),
  'licences.list': (ctx, input) => ({ items: listEntitlements(ctx, input) }),
  'licences.get': (ctx, input) => getEntitlement(ctx, input.id),
  'licences.create': (ctx, input) => createEntitlement(ctx, input),
  'licences.update': (ctx, input) => updateEntitlement(ctx, input.id, input.fields),
  'licences.assign': (ctx, input) => assignSeat(ctx, input),
  'licences.unassign': (ctx, input) => {
    unassignSeat(ctx, input.assignmentId);
    return { done: true };
  },
  'licences.compliance': (ctx, input) => compliance(ctx, input.productId),
  'licences.renewals': (ctx, input) => ({ items: renewals(ctx, input.days) }),
};

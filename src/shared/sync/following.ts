/**
 * Records whose children follow them between sites. A ticket's comments, worklogs and history and
 * an asset's history, installed software and maintenance records live in their parent's site: when
 * the parent moves, they move with it (the server in the same transaction, the device locally), so
 * the new site's devices receive them and the old site's devices drop them. Only children whose
 * sync rule names one of these parents follow; rows that merely mention a record (a licence
 * assignment's asset, an audit scan's asset) stay where they are.
 */
import { ENTITY_RULES } from './entities';

export const FOLLOWING_PARENTS = ['tickets', 'assets'] as const;
export type FollowingParent = (typeof FOLLOWING_PARENTS)[number];

export interface FollowingChild {
  /** The child's record type (also its table on the device). */
  entity: string;
  /** The field naming the parent's id. */
  field: string;
  parent: FollowingParent;
}

export function isFollowingParent(entity: string): entity is FollowingParent {
  return (FOLLOWING_PARENTS as readonly string[]).includes(entity);
}

// Names end up in SQL on the device and in JSON paths on the server: plain identifiers only.
const SAFE = /^[a-z][a-z0-9_]*$/;

export const FOLLOWING_CHILDREN: readonly FollowingChild[] = Object.entries(ENTITY_RULES).flatMap(([entity, r]) =>
  r.parent && isFollowingParent(r.parent.entity) && SAFE.test(entity) && SAFE.test(r.parent.field) ? [{ entity, field: r.parent.field, parent: r.parent.entity }] : [],
);

/** Child record type → how it names its parent. */
export const FOLLOWING_CHILD = new Map(FOLLOWING_CHILDREN.map((c) => [c.entity, c]));

export function followingChildrenOf(parent: string): FollowingChild[] {
  return FOLLOWING_CHILDREN.filter((c) => c.parent === parent);
}

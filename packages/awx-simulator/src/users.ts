/**
 * The one user the simulator has, the token's (and basic auth's), as `me/` lists it. UserMeList
 * (awx/api/views) is a ListAPIView over Django's User: filtered, searched and ordered as any
 * list, by the fields of Django's AbstractUser; AWX marks `password` prevent_search, and its
 * search fields for a user are `username`, `first_name`, `last_name` and `email`
 * (awx/main/utils/common.py get_search_fields).
 */
import { TOKEN_USER, type UserRef } from './access.js';
import type { Model } from './filters.js';
import type { Micros } from './timestamps.js';

export interface User {
  readonly id: number;
  readonly username: string;
  readonly superuser: boolean;
  /** Django's `is_active`: false once an administrator deactivated the user. */
  readonly active: boolean;
}

// When the simulator's user joined: a fixed moment, 2024-01-01T00:00:00Z.
const JOINED: Micros = 1_704_067_200_000_000;

export const userModel: Model<User> = {
  objectName: 'User',
  ordering: ['username'],
  searchFields: ['username', 'first_name', 'last_name', 'email'],
  fields: {
    id: { kind: 'int', value: (u) => u.id },
    username: { kind: 'char', value: (u) => u.username },
    first_name: { kind: 'char', value: () => '' },
    last_name: { kind: 'char', value: () => '' },
    email: { kind: 'char', value: () => '' },
    password: { kind: 'char', value: () => '', forbidden: 'Filtering on password is not allowed.' },
    is_superuser: { kind: 'bool', value: (u) => u.superuser },
    is_staff: { kind: 'bool', value: () => false },
    is_active: { kind: 'bool', value: (u) => u.active },
    last_login: { kind: 'datetime', value: () => null },
    date_joined: { kind: 'datetime', value: () => JOINED },
  },
};

export function tokenUser(superuser: boolean, active = true): User {
  return { ...TOKEN_USER, superuser, active };
}

export function serializeUser(user: User, prefix: string): Record<string, unknown> {
  return {
    id: user.id,
    type: 'user',
    url: `${prefix}users/${user.id}/`,
    username: user.username,
    first_name: '',
    last_name: '',
    email: '',
    is_superuser: user.superuser,
    is_system_auditor: false,
  };
}

/**
 * Who made an object and who last changed it, PrimordialModel's `created_by` and `modified_by`
 * (awx/main/models/base.py): the request's user when it was saved, or none for what AWX saves
 * outside a request. The simulator's seeds stand for what its one user made (AWX's demo data is
 * made as the first System Administrator, create_preload_data).
 */
export interface Authors {
  readonly createdBy: UserRef | null;
  readonly modifiedBy: UserRef | null;
}

/** Both the simulator's user, as for everything it made through the API or a seed. */
export const BY_TOKEN_USER: Authors = { createdBy: TOKEN_USER, modifiedBy: TOKEN_USER };

/** BaseSerializer.get_related's links to them, each left out when there is none. */
export function authorLinks(authors: Authors, prefix: string): Record<string, string> {
  return {
    ...(authors.createdBy ? { created_by: `${prefix}users/${authors.createdBy.id}/` } : {}),
    ...(authors.modifiedBy ? { modified_by: `${prefix}users/${authors.modifiedBy.id}/` } : {}),
  };
}

/**
 * BaseSerializer.get_summary_fields' summaries of them, after the related objects' and each left
 * out when there is none: the fields SUMMARIZABLE_FK_FIELDS names for `user`. The simulator's
 * users have no first or last name.
 */
export function authorSummaries(authors: Authors): Record<string, unknown> {
  const summary = (user: UserRef) => ({
    id: user.id,
    username: user.username,
    first_name: '',
    last_name: '',
  });
  return {
    ...(authors.createdBy ? { created_by: summary(authors.createdBy) } : {}),
    ...(authors.modifiedBy ? { modified_by: summary(authors.modifiedBy) } : {}),
  };
}

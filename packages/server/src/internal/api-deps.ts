import {
  BackendError,
  assertCollectionName,
  assertObjectId,
  decodeParseFields,
  isPlainRecord,
  type CloudStoreAdapter,
  type UpdateInput,
} from '@localbackend/adapter';
import type { Logger } from '../logger';
import { HIDDEN_FIELDS } from './acl';
import type { FileUrlBuilder } from './file-urls';
import type { UserStore } from '../user-store';
import type { Viewer } from './users/user-fields';
import type { QueryLimits } from './params';
import type { SchemaCache } from './schema-cache';

/** What route handlers share. */
export interface ApiDeps {
  readonly adapter: CloudStoreAdapter;
  readonly schema: SchemaCache;
  readonly limits: QueryLimits;
  readonly logger: Logger;
  /** Users and sessions (`_User`, `_Session`). */
  readonly users: UserStore;
  /** Who is asking (master key, session user): decides what of `_User` records is shown. */
  readonly viewer: Viewer;
  /** The url of a stored file for the current request (see `withCurrentFileUrls`). */
  readonly fileUrl?: FileUrlBuilder;
}

/**
 * Storage internals that no route may touch, even with the master key (the schema table,
 * relation junction tables, full-text tables, SQLite's own tables).
 */
const INTERNAL_COLLECTIONS =
  /^(?:_schema|_meta|_export|_batch|_join_.*|_fts_.*|_idx_.*|_trg_.*|sqlite_.*)$/i;

/** Validates a collection name from a URL; system collections (`_X`) need the master key. */
export function collectionParam(value: unknown, path: string, master: boolean): string {
  if (typeof value === 'string' && INTERNAL_COLLECTIONS.test(value)) {
    throw new BackendError('FORBIDDEN', `${path}: ${value} is an internal table of the storage`, {
      details: { path },
    });
  }
  if (typeof value === 'string' && value.startsWith('_') && !master) {
    assertCollectionName(value, path, { allowSystem: true });
    throw new BackendError(
      'FORBIDDEN',
      `${path}: the system collection ${value} can only be used with the master key`,
      { details: { path } },
    );
  }
  assertCollectionName(value, path, { allowSystem: master });
  return value;
}

/** Validates an objectId from a URL. */
export function objectIdParam(value: unknown, path: string): string {
  assertObjectId(value, path);
  return value;
}

const STRIPPED = ['createdAt', 'updatedAt', 'ACL'] as const;

/**
 * Decodes a create/update body (Parse wire values and `__op` operations, or plain JSON). Server
 * managed fields (`createdAt`, `updatedAt`) and `ACL` (read separately by `withAclData`) are
 * dropped; the hidden ACL columns are refused; `objectId` is kept for creates and must match on
 * updates.
 */
export function decodeWriteBody(
  body: unknown,
  mode: 'create' | 'update',
  objectId?: string,
): UpdateInput {
  if (isPlainRecord(body)) {
    for (const key of HIDDEN_FIELDS) {
      if (Object.prototype.hasOwnProperty.call(body, key)) {
        throw new BackendError(
          'INVALID_FIELD_NAME',
          `body.${key}: ACL columns are managed by the server; send ACL instead`,
          { details: { path: `body.${key}` } },
        );
      }
    }
  }
  const decoded: Record<string, unknown> = {
    ...decodeParseFields(body === undefined ? {} : body, 'body'),
  };
  for (const key of STRIPPED) delete decoded[key];
  if (mode === 'update' && decoded.objectId !== undefined) {
    if (decoded.objectId !== objectId) {
      throw new BackendError('INVALID_VALUE', 'body.objectId: an objectId cannot be changed', {
        details: { path: 'body.objectId', expected: objectId ?? 'no objectId' },
      });
    }
    delete decoded.objectId;
  }
  return decoded as UpdateInput;
}

import { BackendError } from '@localbackend/adapter';

/** The `code` of a better-sqlite3 `SqliteError` (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`...). */
export function sqliteCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** True for the lock errors that a retry resolves (another connection holds the write lock). */
export function isBusyError(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED');
}

/** Context for an error message: what was being done, on which collection. */
export interface ErrorContext {
  readonly operation: string;
  readonly collection?: string | undefined;
}

function where(context: ErrorContext): string {
  return context.collection === undefined
    ? context.operation
    : `${context.operation} on ${context.collection}`;
}

/**
 * Turns anything thrown while working with SQLite into a `BackendError`. `BackendError`s pass
 * through; SQLite errors get the code that describes them; the raw error is kept as `cause`
 * (never in the message).
 */
export function mapSqliteError(error: unknown, context: ErrorContext): BackendError {
  if (BackendError.is(error)) return error;
  const code = sqliteCode(error);
  const message = error instanceof Error ? error.message : String(error);
  const at = where(context);
  if (code === undefined) {
    if (error instanceof RangeError && /call stack/i.test(message)) {
      return new BackendError('RESOURCE_LIMIT', `${at}: the input nests too deeply`, {
        cause: error,
      });
    }
    if (error instanceof RangeError && /string length|buffer/i.test(message)) {
      return new BackendError('PAYLOAD_TOO_LARGE', `${at}: the value is too large`, {
        cause: error,
      });
    }
    return new BackendError('INTERNAL', `${at} failed unexpectedly`, { cause: error });
  }
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return new BackendError(
      'DUPLICATE_VALUE',
      `${at}: a record with this objectId already exists`,
      {
        cause: error,
        details: { sqlite: code },
      },
    );
  }
  if (code === 'SQLITE_CONSTRAINT_UNIQUE') {
    const column = /UNIQUE constraint failed: [^.]+\.(\S+)/.exec(message)?.[1];
    return new BackendError(
      'DUPLICATE_VALUE',
      column === undefined
        ? `${at}: a record with the same unique value already exists`
        : `${at}: a record with the same value of the unique field "${column}" already exists`,
      { cause: error, details: column === undefined ? { sqlite: code } : { path: column } },
    );
  }
  if (code === 'SQLITE_CONSTRAINT_NOTNULL') {
    return new BackendError('REQUIRED_FIELD', `${at}: a required field is missing`, {
      cause: error,
    });
  }
  if (code.startsWith('SQLITE_CONSTRAINT')) {
    return new BackendError('INVALID_VALUE', `${at}: a constraint rejected the value`, {
      cause: error,
      details: { sqlite: code },
    });
  }
  if (code.startsWith('SQLITE_BUSY') || code === 'SQLITE_LOCKED') {
    return new BackendError(
      'TIMEOUT',
      `${at}: the database stayed locked by another connection for too long`,
      { cause: error },
    );
  }
  if (code === 'SQLITE_TOOBIG') {
    return new BackendError('PAYLOAD_TOO_LARGE', `${at}: the value is too large to store`, {
      cause: error,
    });
  }
  if (code === 'SQLITE_FULL') {
    return new BackendError('RESOURCE_LIMIT', `${at}: the disk is full`, { cause: error });
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new BackendError('FORBIDDEN', `${at}: the database is read-only`, { cause: error });
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return new BackendError('UNAVAILABLE', `${at}: the database file cannot be opened`, {
      cause: error,
    });
  }
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') {
    return new BackendError('INTERNAL', `${at}: the database file is damaged or not a database`, {
      cause: error,
      details: { sqlite: code },
    });
  }
  if (code === 'SQLITE_ERROR' && /too many columns/i.test(message)) {
    return new BackendError('RESOURCE_LIMIT', `${at}: too many columns`, { cause: error });
  }
  if (code === 'SQLITE_ERROR' && /already exists/i.test(message)) {
    return new BackendError(
      'SCHEMA_CONFLICT',
      `${at}: a table, index or column with a clashing name already exists`,
      { cause: error },
    );
  }
  return new BackendError('INTERNAL', `${at} failed: SQLite reported ${code}`, {
    cause: error,
    details: { sqlite: code },
  });
}

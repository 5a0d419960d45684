import { assertFieldName } from '@localbackend/adapter';
import { errorAt, rootLoc } from './internal/loc';
import { schemaInfo } from './internal/schema-info';
import { fieldListItems } from './parse-select';
import type { ParseOptions } from './parse-options';

/**
 * Parses `include` (pointers to fetch with the results): `'list,owner.team'` or
 * `['list', 'owner.team']` into key paths `[['list'], ['owner', 'team']]`. With a schema, paths
 * whose first key is not a Pointer or Array field are dropped (as Parse ignores them); unknown
 * fields are errors, or dropped with `unknownFields: 'missing'`.
 *
 * @example
 * ```ts
 * import { parseInclude } from '@localbackend/query';
 *
 * parseInclude('list,owner.team'); // [['list'], ['owner', 'team']]
 * ```
 */
export function parseInclude(
  input: unknown,
  options: ParseOptions = {},
): readonly (readonly string[])[] {
  const info = schemaInfo(options.schema);
  const out: (readonly string[])[] = [];
  const seen = new Set<string>();
  for (const item of fieldListItems(input, rootLoc(options.path ?? 'include'))) {
    const keys = item.name.split('.');
    for (const key of keys) {
      try {
        assertFieldName(key, 'include');
      } catch (_error) {
        throw errorAt(
          'INVALID_FIELD_NAME',
          item.loc,
          `${JSON.stringify(key.slice(0, 40))} is not a valid field name in include ${JSON.stringify(item.name.slice(0, 60))}`,
          {
            expected: 'field names separated by "."',
            received: item.name,
          },
        );
      }
    }
    if (info !== undefined) {
      const column = info.columns.get(keys[0]!);
      if (column === undefined) {
        if ((options.unknownFields ?? 'error') === 'missing') continue;
        throw errorAt(
          'INVALID_FIELD_NAME',
          item.loc,
          `the field ${JSON.stringify(keys[0])} does not exist in ${info.schema.name}`,
          {
            expected: `a Pointer field of ${info.schema.name}`,
            received: keys[0],
          },
        );
      }
      // Like Parse: including a field that holds no pointers is not an error, just nothing to do.
      if (column.type !== 'Pointer' && column.type !== 'Array') continue;
    }
    const id = keys.join('.');
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(Object.freeze(keys));
  }
  return Object.freeze(out);
}

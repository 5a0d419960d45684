import { vitestApi } from './vitest-api';
import type { CloudStoreAdapter } from '../cloud-store-adapter';
import type { SuiteContext } from './conformance-context';
import { expectBackendError } from './fixtures';

async function related(db: CloudStoreAdapter, postId: string, key = 'likes'): Promise<string[]> {
  const { results } = await db.query({
    collection: 'User',
    where: {
      $relatedTo: { object: { __type: 'Pointer', className: 'Post', objectId: postId }, key },
    },
    limit: 1000,
  });
  return results.map((r) => r.objectId).sort();
}

/** Relation fields: addRelation / removeRelation, `__op` AddRelation / RemoveRelation, `$relatedTo`. */
export function relationTests(ctx: SuiteContext): void {
  const { describe, expect, it } = vitestApi();
  describe.skipIf(!ctx.has('relations'))(ctx.title('relations', 'relations'), () => {
    async function setup() {
      const db = await ctx.open();
      const users = await Promise.all(
        ['u1', 'u2', 'u3'].map((name) => db.create({ collection: 'User', data: { name } })),
      );
      const post = await db.create({ collection: 'Post', data: { title: 'p' } });
      return { db, post, ids: users.map((u) => u.objectId) as [string, string, string] };
    }

    it('addRelation relates records; $relatedTo finds them; the field is not in the record', async () => {
      const { db, post, ids } = await setup();
      await db.addRelation({
        collection: 'Post',
        objectId: post.objectId,
        key: 'likes',
        targetObjectId: [ids[0], ids[1]],
        targetClass: 'User',
      });
      expect(await related(db, post.objectId)).toEqual([ids[0], ids[1]].sort());
      expect('likes' in (await db.fetch({ collection: 'Post', objectId: post.objectId }))).toBe(
        false,
      );
    });

    it('adding the same relation twice keeps one link', async () => {
      const { db, post, ids } = await setup();
      await db.addRelation({
        collection: 'Post',
        objectId: post.objectId,
        key: 'likes',
        targetObjectId: ids[0],
        targetClass: 'User',
      });
      await db.addRelation({
        collection: 'Post',
        objectId: post.objectId,
        key: 'likes',
        targetObjectId: ids[0],
        targetClass: 'User',
      });
      expect(await related(db, post.objectId)).toEqual([ids[0]]);
    });

    it('removeRelation unlinks only the given records', async () => {
      const { db, post, ids } = await setup();
      await db.addRelation({
        collection: 'Post',
        objectId: post.objectId,
        key: 'likes',
        targetObjectId: ids,
        targetClass: 'User',
      });
      await db.removeRelation({
        collection: 'Post',
        objectId: post.objectId,
        key: 'likes',
        targetObjectId: [ids[1]],
      });
      expect(await related(db, post.objectId)).toEqual([ids[0], ids[2]].sort());
    });

    it('save with AddRelation / RemoveRelation operations', async () => {
      const { db, post, ids } = await setup();
      const pointer = (objectId: string) => ({
        __type: 'Pointer' as const,
        className: 'User',
        objectId,
      });
      await db.save({
        collection: 'Post',
        objectId: post.objectId,
        data: { likes: { __op: 'AddRelation', objects: ids.map(pointer) } },
      });
      await db.save({
        collection: 'Post',
        objectId: post.objectId,
        data: { likes: { __op: 'RemoveRelation', objects: [pointer(ids[2])] } },
      });
      expect(await related(db, post.objectId)).toEqual([ids[0], ids[1]].sort());
    });

    it('create with an AddRelation operation relates at once', async () => {
      const db = await ctx.open();
      const user = await db.create({ collection: 'User', data: { name: 'u' } });
      const post = await db.create({
        collection: 'Post',
        data: {
          likes: {
            __op: 'AddRelation',
            objects: [{ __type: 'Pointer', className: 'User', objectId: user.objectId }],
          },
        },
      });
      expect(await related(db, post.objectId)).toEqual([user.objectId]);
    });

    it('relations of different records and keys are independent', async () => {
      const { db, post, ids } = await setup();
      const other = await db.create({ collection: 'Post', data: { title: 'q' } });
      await db.addRelation({
        collection: 'Post',
        objectId: post.objectId,
        key: 'likes',
        targetObjectId: ids[0],
        targetClass: 'User',
      });
      await db.addRelation({
        collection: 'Post',
        objectId: other.objectId,
        key: 'likes',
        targetObjectId: ids[1],
        targetClass: 'User',
      });
      await db.addRelation({
        collection: 'Post',
        objectId: post.objectId,
        key: 'readers',
        targetObjectId: ids[2],
        targetClass: 'User',
      });
      expect(await related(db, post.objectId)).toEqual([ids[0]]);
      expect(await related(db, other.objectId)).toEqual([ids[1]]);
      expect(await related(db, post.objectId, 'readers')).toEqual([ids[2]]);
    });

    it('$relatedTo combines with other conditions', async () => {
      const { db, post, ids } = await setup();
      await db.addRelation({
        collection: 'Post',
        objectId: post.objectId,
        key: 'likes',
        targetObjectId: ids,
        targetClass: 'User',
      });
      const { results } = await db.query({
        collection: 'User',
        where: {
          $relatedTo: {
            object: { __type: 'Pointer', className: 'Post', objectId: post.objectId },
            key: 'likes',
          },
          name: { $ne: 'u2' },
        },
      });
      expect(results.map((r) => r.objectId).sort()).toEqual([ids[0], ids[2]].sort());
    });

    it('a deleted related record no longer shows up in $relatedTo', async () => {
      const { db, post, ids } = await setup();
      await db.addRelation({
        collection: 'Post',
        objectId: post.objectId,
        key: 'likes',
        targetObjectId: ids,
        targetClass: 'User',
      });
      await db.delete({ collection: 'User', objectId: ids[1] });
      expect(await related(db, post.objectId)).toEqual([ids[0], ids[2]].sort());
    });

    it('a relation to the wrong class, or on a non-Relation field, is TYPE_MISMATCH', async () => {
      const { db, post, ids } = await setup();
      await db.addRelation({
        collection: 'Post',
        objectId: post.objectId,
        key: 'likes',
        targetObjectId: ids[0],
        targetClass: 'User',
      });
      await expectBackendError(
        db.addRelation({
          collection: 'Post',
          objectId: post.objectId,
          key: 'likes',
          targetObjectId: ids[0],
          targetClass: 'Post',
        }),
        'TYPE_MISMATCH',
      );
      await expectBackendError(
        db.addRelation({
          collection: 'Post',
          objectId: post.objectId,
          key: 'title',
          targetObjectId: ids[0],
          targetClass: 'User',
        }),
        'TYPE_MISMATCH',
      );
    });

    it('addRelation on a missing record is NOT_FOUND', async () => {
      const { db, ids } = await setup();
      await expectBackendError(
        db.addRelation({
          collection: 'Post',
          objectId: 'nope123',
          key: 'likes',
          targetObjectId: ids[0],
          targetClass: 'User',
        }),
        'NOT_FOUND',
      );
    });
  });
}

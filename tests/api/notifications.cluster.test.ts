import { channels, keys, UserStore } from '@threadkit/core';
import { eventually, startTestApi, subscribeToChannel, type TestApi } from '@threadkit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let api: TestApi;

beforeAll(async () => {
  api = await startTestApi({ cluster: true, context: { mailQueue: { pollMs: 20 } } });
});
afterAll(async () => {
  await api?.stop();
});

const post = async (token: string, payload: Record<string, unknown>) => {
  const response = await api.call({ method: 'POST', url: '/v1/comments', token, payload });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().comment as { i: string };
};

describe('notifications on a 3-master Redis Cluster', () => {
  it('are stored in the site slot, counted, marked read and published with SPUBLISH', async () => {
    const page = 'https://blog.example.com/cluster-notifications';
    const ann = await api.guest('Ann');
    const bob = await api.guest('Bob');
    const root = await post(ann.token, { page_url: page, content: 'Root.' });
    const subscription = await subscribeToChannel(api, channels.user(api.site.id, ann.userId));
    try {
      const reply = await post(bob.token, { page_url: page, content: 'Reply, @Ann.', parent_id: root.i });
      // Notifications are listed newest first, to the millisecond: the upvote comes in a later one.
      const replied = Date.now();
      await eventually(
        'the next millisecond',
        async () => Date.now(),
        (now) => now > replied,
      );
      await api.call({
        method: 'POST',
        url: `/v1/comments/${root.i}/vote`,
        token: bob.token,
        payload: { direction: 'up' },
      });
      const received = await subscription.next('notification');
      expect(received.audience).toEqual({ public: false, user_id: ann.userId });

      await api.context.notifications.settled();
      const listed = (await api.call({ method: 'GET', url: '/v1/notifications', token: ann.token })).json();
      expect(
        listed.notifications.map((n: { type: string; comment_id: string }) => [n.type, n.comment_id]),
      ).toEqual([
        ['upvote', root.i],
        ['reply', reply.i],
      ]);
      expect(listed.unread_count).toBe(2);
      expect(await api.redis.exists(keys.upvoteNotified(api.site.id, root.i))).toBe(1);

      const read = await api.call({ method: 'POST', url: '/v1/notifications/read', token: ann.token });
      expect(read.statusCode).toBe(204);
      const after = (await api.call({ method: 'GET', url: '/v1/notifications', token: ann.token })).json();
      expect(after.unread_count).toBe(0);
    } finally {
      await subscription.close();
    }
  });

  it('hold reply e-mails for the digest in the site slot', async () => {
    const page = 'https://blog.example.com/cluster-digest';
    const ann = await api.guest('Ann');
    const bob = await api.guest('Bob');
    await new UserStore(api.redis).update(api.site.id, ann.userId, {
      email: 'ann-cluster@example.com',
      email_verified: 1,
      email_notifications: 1,
    });
    const root = await post(ann.token, { page_url: page, content: 'Root.' });
    for (const content of ['First.', 'Second.', 'Third.'])
      await post(bob.token, { page_url: page, content, parent_id: root.i });
    await api.context.notifications.settled();
    // The first went out at once; the others wait in Ann's digest, and its job in the queue.
    const waiting = await api.redis.lrange(keys.userMailDigest(api.site.id, ann.userId), 0, -1);
    expect(waiting.map((item) => JSON.parse(item).excerpt)).toEqual(['Second.', 'Third.']);
    expect(Number(await api.redis.hget(keys.userMailWindow(api.site.id, ann.userId), 'e'))).toBeGreaterThan(
      0,
    );
    await eventually(
      'only the digest queued',
      () => api.context.mailQueue.size(),
      (n) => n === 1,
    );
  });
});

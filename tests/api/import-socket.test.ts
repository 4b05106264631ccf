import { readFileSync } from 'node:fs';
import { startTestApi } from '@threadkit/testing';
import { expect, it } from 'vitest';

/**
 * An import's file over a real socket, not `inject`: the body reaches the
 * route as the request stream itself, which no hook may walk as if it were
 * parsed JSON (one did, and the request never ended).
 */
it('takes an import file over a real socket and runs it', async () => {
  const api = await startTestApi();
  try {
    const address = await api.app.listen({ port: 0, host: '127.0.0.1' });
    const headers = { projectid: api.site.secretKey };
    const response = await fetch(`${address}/v1/imports?format=disqus`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/xml' },
      body: readFileSync('tests/fixtures/import/disqus.xml'),
      signal: AbortSignal.timeout(20_000),
    });
    expect(response.status, await response.clone().text()).toBe(202);
    const { id } = (await response.json()) as { id: string };
    let job: { status: string; comments: { written: number } };
    do {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const read = await fetch(`${address}/v1/imports/${id}`, { headers });
      job = (await read.json()) as typeof job;
    } while (job.status === 'running');
    expect(job.status).toBe('done');
    expect(job.comments.written).toBeGreaterThan(0);
  } finally {
    await api.stop();
  }
});

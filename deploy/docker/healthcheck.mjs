// The container's health check: /health of the API (HTTP_PORT) and of the
// gateway (WS_PORT). A container runs one part or both, so a port nothing
// listens on is not counted; healthy when one answers 200 and none answers
// anything else (503: Redis is unreachable).
const ports = [process.env.HTTP_PORT ?? '8080', process.env.WS_PORT ?? '8081'];

async function status(port) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(4000) });
    return response.status;
  } catch (error) {
    // Nothing listening: this container does not run that part.
    if (error?.cause?.code === 'ECONNREFUSED') return null;
    return 0;
  }
}

const answers = (await Promise.all(ports.map(status))).filter((answer) => answer !== null);
const healthy = answers.length > 0 && answers.every((answer) => answer === 200);
process.stdout.write(`${healthy ? 'healthy' : 'unhealthy'}: ${JSON.stringify(answers)}\n`);
process.exit(healthy ? 0 : 1);

/** Runs once as the server starts: the database is opened and migrated before the first request. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { services } = await import('./server/services');
  await services();
}

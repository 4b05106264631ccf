import { isCharted, isRange, type Scope, seriesCsv } from '../usage/analytics';
import { services } from './services';

/** `?metric=…&days=…` of a chart, answered as a CSV download. */
export async function csvAnswer(request: Request, scope: Scope, name: string): Promise<Response> {
  const query = new URL(request.url).searchParams;
  const metric = query.get('metric');
  const days = Number(query.get('days'));
  if (!isCharted(metric) || !isRange(days)) return new Response('Unknown chart.', { status: 400 });
  const series = await (await services()).analytics.series(scope, days, [metric]);
  return new Response(seriesCsv(metric, series.get(metric) ?? []), {
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${name.replace(/[^\w.-]+/g, '-')}-${metric}-${days}d.csv"`,
      'cache-control': 'no-store',
    },
  });
}

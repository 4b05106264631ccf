import { scaleLinear, scaleUtc } from 'd3-scale';
import { area, line } from 'd3-shape';
import type { DayValue } from '../../usage/analytics';

const WIDTH = 640;
const HEIGHT = 160;
const MARGIN = { top: 10, right: 22, bottom: 22, left: 48 };

const count = (n: number) => n.toLocaleString('en-US');
const at = (day: string) => new Date(`${day}T00:00:00Z`);

/**
 * A daily series as an SVG line chart, drawn on the server (no script on the
 * page): d3's scales and shapes give the paths and ticks. Its figures are also
 * in a table for screen readers and a CSV link.
 */
export function DailyChart(props: { title: string; values: DayValue[]; csvHref: string }) {
  const { values } = props;
  const first = at(values[0]!.day);
  const last = at(values.at(-1)!.day);
  const highest = Math.max(1, ...values.map((v) => v.value));
  const x = scaleUtc()
    .domain([first, last])
    .range([MARGIN.left, WIDTH - MARGIN.right]);
  const y = scaleLinear()
    .domain([0, highest])
    .nice(4)
    .range([HEIGHT - MARGIN.bottom, MARGIN.top]);
  const path = line<DayValue>()
    .x((v) => x(at(v.day)))
    .y((v) => y(v.value))(values);
  const fill = area<DayValue>()
    .x((v) => x(at(v.day)))
    .y0(y(0))
    .y1((v) => y(v.value))(values);
  const total = values.reduce((sum, v) => sum + v.value, 0);
  const dayTicks = x.ticks(Math.min(6, values.length));
  return (
    <figure className="chart">
      <figcaption>
        <strong>{props.title}</strong>: {count(total)} in {values.length} days{' '}
        <a href={props.csvHref} download>
          CSV
        </a>
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${props.title}, one point a day`}>
        {y.ticks(4).map((tick) => (
          <g key={`y${tick}`}>
            <line x1={MARGIN.left} x2={WIDTH - MARGIN.right} y1={y(tick)} y2={y(tick)} className="grid" />
            <text x={MARGIN.left - 6} y={y(tick) + 4} textAnchor="end">
              {count(tick)}
            </text>
          </g>
        ))}
        {dayTicks.map((tick) => (
          <text key={`x${tick.toISOString()}`} x={x(tick)} y={HEIGHT - 6} textAnchor="middle">
            {tick.toISOString().slice(5, 10)}
          </text>
        ))}
        <path d={fill ?? ''} className="area" />
        <path d={path ?? ''} className="line" />
      </svg>
      <details>
        <summary>Figures</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">{props.title}</th>
            </tr>
          </thead>
          <tbody>
            {values.map((v) => (
              <tr key={v.day}>
                <td>{v.day}</td>
                <td>{count(v.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

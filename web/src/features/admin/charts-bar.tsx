import { useId } from 'react';
import { useI18n } from '../../i18n/index.tsx';
import { type DayPoint, labelledIndexes, layoutBars, summarize } from './charts-scale.ts';

const WIDTH = 600;
const HEIGHT = 140;
/** Room left of the bars for the y-axis labels, and below them for the days. */
const AXIS_LEFT = 36;
const AXIS_BOTTOM = 20;

/**
 * A bar per day, drawn by hand in SVG (no chart library in the console's bundle). Accessible: the
 * figure's caption is its title, the SVG is one image named by the title and described by a
 * sentence (total, busiest day), and a visually hidden table gives every day's number. Colours
 * follow the theme through `currentColor` and Tailwind's dark variants.
 */
export function DailyBarChart({ title, points }: { title: string; points: readonly DayPoint[] }) {
  const { t, formatNumber } = useI18n();
  const id = useId();
  const { bars, max } = layoutBars(points, WIDTH - AXIS_LEFT, HEIGHT);
  const { total, peak } = summarize(points);
  const labelled = new Set(labelledIndexes(points.length));
  const summary = peak
    ? t('charts.summary', { total: formatNumber(total), days: points.length, peak: formatNumber(peak.count), day: shortDay(peak.day) })
    : t('charts.summaryNone', { days: points.length });
  return (
    <figure className="m-0">
      <figcaption id={`${id}-title`} className="mb-2 text-sm font-semibold text-zinc-900 dark:text-zinc-100">
        {title}
      </figcaption>
      <svg
        role="img"
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-summary`}
        viewBox={`0 0 ${WIDTH} ${HEIGHT + AXIS_BOTTOM}`}
        className="h-auto w-full text-zinc-600 dark:text-zinc-400"
      >
        <g className="text-zinc-200 dark:text-zinc-700" stroke="currentColor" strokeWidth={1}>
          <line x1={AXIS_LEFT} x2={WIDTH} y1={HEIGHT} y2={HEIGHT} />
          <line x1={AXIS_LEFT} x2={WIDTH} y1={0.5} y2={0.5} strokeDasharray="4 4" />
          <line x1={AXIS_LEFT} x2={WIDTH} y1={HEIGHT / 2} y2={HEIGHT / 2} strokeDasharray="4 4" />
        </g>
        <g fill="currentColor" fontSize={11} textAnchor="end">
          <text x={AXIS_LEFT - 6} y={10}>
            {formatNumber(max)}
          </text>
          <text x={AXIS_LEFT - 6} y={HEIGHT}>
            0
          </text>
        </g>
        <g transform={`translate(${AXIS_LEFT} 0)`}>
          {bars.map((bar, i) => (
            <g key={bar.day}>
              <rect x={bar.x} y={bar.y} width={bar.width} height={bar.height} rx={Math.min(2, bar.width / 4)} className="fill-indigo-600 dark:fill-indigo-400">
                <title>{`${shortDay(bar.day)}: ${formatNumber(bar.count)}`}</title>
              </rect>
              {labelled.has(i) && (
                <text x={bar.x + bar.width / 2} y={HEIGHT + 14} fontSize={11} fill="currentColor" textAnchor={i === 0 ? 'start' : i === bars.length - 1 ? 'end' : 'middle'}>
                  {shortDay(bar.day)}
                </text>
              )}
            </g>
          ))}
        </g>
      </svg>
      <p id={`${id}-summary`} className="mt-1 text-xs text-zinc-600 dark:text-zinc-400">
        {summary}
      </p>
      <table className="sr-only">
        <caption>{title}</caption>
        <thead>
          <tr>
            <th scope="col">{t('charts.day')}</th>
            <th scope="col">{t('charts.count')}</th>
          </tr>
        </thead>
        <tbody>
          {points.map((p) => (
            <tr key={p.day}>
              <th scope="row">{p.day}</th>
              <td>{formatNumber(p.count)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

/** MM-DD of a YYYY-MM-DD day: short enough under a narrow bar, unambiguous within 90 days. */
const shortDay = (day: string): string => day.slice(5);

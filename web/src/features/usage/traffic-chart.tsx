import { useI18n } from '../../i18n/index.tsx';
import { type DayTraffic, niceCeiling } from './traffic.ts';

const WIDTH = 600;
const HEIGHT = 160;
const AXIS = 40;
const BOTTOM = 18;

/**
 * Requests per day as bars, the share answered 5xx in red at their base. Hand-drawn SVG (no chart
 * library in this chunk): one labelled image for assistive technology (the summary is its name,
 * the days are in the table beside it); each bar has a <title> for pointer users.
 */
export function TrafficChart({ days, label, percent }: { days: readonly DayTraffic[]; label: string; percent: (share: number) => string }) {
  const { t, formatNumber } = useI18n();
  const top = niceCeiling(Math.max(0, ...days.map((d) => d.requests)));
  const plotWidth = WIDTH - AXIS;
  const plotHeight = HEIGHT - BOTTOM;
  const slot = plotWidth / Math.max(1, days.length);
  const barWidth = Math.max(1, slot * 0.7);
  const y = (value: number) => plotHeight - (value / top) * plotHeight;
  return (
    <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} className="h-44 w-full text-zinc-600 dark:text-zinc-400" role="img" aria-label={label} preserveAspectRatio="none">
      <g fontSize="11" fill="currentColor">
        <text x={AXIS - 6} y={10} textAnchor="end">
          {formatNumber(top)}
        </text>
        <text x={AXIS - 6} y={plotHeight} textAnchor="end">
          0
        </text>
        {days.length > 0 && (
          <>
            <text x={AXIS} y={HEIGHT - 4}>
              {days[0]!.day.slice(5)}
            </text>
            <text x={WIDTH} y={HEIGHT - 4} textAnchor="end">
              {days[days.length - 1]!.day.slice(5)}
            </text>
          </>
        )}
      </g>
      <line x1={AXIS} x2={WIDTH} y1={plotHeight + 0.5} y2={plotHeight + 0.5} stroke="currentColor" strokeWidth="1" />
      {days.map((d, i) => {
        const x = AXIS + i * slot + (slot - barWidth) / 2;
        const errors = d.requests * d.errorRate;
        return (
          <g key={d.day}>
            <title>{t('traffic.barTitle', { day: d.day, requests: formatNumber(d.requests), errorRate: percent(d.errorRate) })}</title>
            {/* A transparent full-height target, so that quiet days have a tooltip too. */}
            <rect x={x} y={0} width={barWidth} height={plotHeight} fill="transparent" />
            <rect x={x} y={y(d.requests)} width={barWidth} height={plotHeight - y(d.requests)} className="fill-indigo-600 dark:fill-indigo-400" />
            {errors > 0 && <rect x={x} y={y(errors)} width={barWidth} height={plotHeight - y(errors)} className="fill-red-600 dark:fill-red-400" />}
          </g>
        );
      })}
    </svg>
  );
}

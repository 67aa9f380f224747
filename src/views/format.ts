const UNITS = ['B', 'KB', 'MB', 'GB', 'TB']

/** 1536 → "1.5 KB" (powers of 1024, one decimal under 10). */
export function formatBytes (bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—'
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024
    unit++
  }
  const digits = unit === 0 || value >= 10 ? 0 : 1
  return `${value.toFixed(digits)} ${UNITS[unit]}`
}

/** 1234567 → "1,234,567" (toLocaleString is far slower, and pages show many numbers). */
export function formatNumber (value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—'
  const [whole, fraction] = String(Math.abs(value)).split('.')
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return (value < 0 ? '-' : '') + grouped + (fraction ? '.' + fraction : '')
}

/** ISO time in UTC, minutes precision: "2026-11-23 22:54 UTC". */
export function formatDate (value: Date | string | null | undefined): string {
  if (!value) return '—'
  const date = typeof value === 'string' ? new Date(value) : value
  return date.toISOString().slice(0, 16).replace('T', ' ') + ' UTC'
}

/** 75 → "1 min 15 s", 4000 → "1 h 7 min", 0.4 → "1 s" (rounded up: a time left is not promised early). */
export function formatDuration (seconds: number): string {
  const total = Math.max(1, Math.ceil(seconds))
  if (total < 60) return `${total} s`
  if (total < 3600) {
    const minutes = Math.floor(total / 60)
    return total % 60 ? `${minutes} min ${total % 60} s` : `${minutes} min`
  }
  const hours = Math.floor(total / 3600)
  const minutes = Math.floor((total % 3600) / 60)
  return minutes ? `${hours} h ${minutes} min` : `${hours} h`
}

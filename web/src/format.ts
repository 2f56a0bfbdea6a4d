// Dates, numbers and money in the reader's locale (the browser's), amounts in their own
// currency.

const locale = navigator.languages?.[0] ?? navigator.language ?? "en";

const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: "medium" });
const dateTimeFormat = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" });
const numberFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
const percentFormat = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 });
const moneyFormats = new Map<string, Intl.NumberFormat>();

/** A day (`2026-03-01`, no time zone) as the reader writes it. */
export function day(value: string | null | undefined): string {
  if (!value) return "–";
  const [y, m, d] = value.split("-").map(Number);
  return dateFormat.format(new Date(y, m - 1, d));
}

export function dateTime(value: string | null | undefined): string {
  return value ? dateTimeFormat.format(new Date(value)) : "–";
}

export function number(value: string | number | null | undefined): string {
  return value === null || value === undefined ? "–" : numberFormat.format(Number(value));
}

export function percent(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : percentFormat.format(value);
}

export function money(amount: string | number | null | undefined, currency: string): string {
  if (amount === null || amount === undefined) return "–";
  let format = moneyFormats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: "currency", currency });
    moneyFormats.set(currency, format);
  }
  return format.format(Number(amount));
}

/** An enum value (`PARTIALLY_SHIPPED`) as words (`Partially shipped`). */
export function words(value: string | null | undefined): string {
  if (!value) return "–";
  const text = value.toLowerCase().replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

//! Parsing the values of a source's fields by its profile's formats: dates such as `31.12.2025`
//! or `20251231`, numbers such as `1.234,56` or SAP's trailing minus `12,50-`, lists.

use crate::profile::FileFormat;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use std::str::FromStr;

/// A value that does not parse, with what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {raw:?} is not {expected}")]
pub struct ValueError {
    pub field: &'static str,
    pub raw: String,
    pub expected: String,
}

/// The formats of one source.
#[derive(Debug, Clone, PartialEq)]
pub struct Formats {
    pub decimal: char,
    pub thousands: Option<char>,
    pub dates: Vec<String>,
    pub datetimes: Vec<String>,
    pub list: char,
}

impl Formats {
    pub fn of(format: &FileFormat) -> Formats {
        Formats {
            decimal: format.decimal_separator,
            thousands: format.thousands_separator,
            dates: format.date_formats.clone(),
            datetimes: format.datetime_formats.clone(),
            list: format.list_separator,
        }
    }

    /// The canonical formats (ISO dates, `.` decimals), which JSON rows use.
    pub fn canonical() -> Formats {
        Formats::of(&FileFormat::default())
    }

    fn error(field: &'static str, raw: &str, expected: String) -> ValueError {
        ValueError {
            field,
            raw: raw.to_owned(),
            expected,
        }
    }

    pub fn date(&self, field: &'static str, raw: &str) -> Result<NaiveDate, ValueError> {
        self.dates
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(raw, f).ok())
            .ok_or_else(|| {
                Self::error(
                    field,
                    raw,
                    format!("a date in the format {}", self.dates.join(" or ")),
                )
            })
    }

    /// A date-time: RFC 3339, one of the profile's formats (UTC), or a date (midnight UTC).
    pub fn datetime(&self, field: &'static str, raw: &str) -> Result<DateTime<Utc>, ValueError> {
        if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
            return Ok(t.with_timezone(&Utc));
        }
        for f in &self.datetimes {
            if let Ok(t) = DateTime::parse_from_str(raw, f) {
                return Ok(t.with_timezone(&Utc));
            }
            if let Ok(t) = NaiveDateTime::parse_from_str(raw, f) {
                return Ok(t.and_utc());
            }
        }
        if let Some(d) = self
            .dates
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(raw, f).ok())
        {
            return Ok(d.and_hms_opt(0, 0, 0).expect("midnight exists").and_utc());
        }
        Err(Self::error(
            field,
            raw,
            format!(
                "a date-time (RFC 3339, {} or a date)",
                self.datetimes.join(", ")
            ),
        ))
    }

    /// A number with the source's separators; a minus may lead or trail (`-12.5`, `12,50-`).
    pub fn decimal(&self, field: &'static str, raw: &str) -> Result<Decimal, ValueError> {
        let example = match (self.thousands, self.decimal) {
            (Some(t), d) => format!("a number such as -1{t}234{d}56"),
            (None, d) => format!("a number such as -1234{d}56"),
        };
        let fail = || Self::error(field, raw, example.clone());
        let mut text = raw.trim().to_owned();
        let negative = if let Some(rest) = text.strip_suffix('-') {
            text = rest.trim_end().to_owned();
            true
        } else if let Some(rest) = text.strip_prefix('-') {
            text = rest.trim_start().to_owned();
            true
        } else {
            false
        };
        if text.is_empty() || text.starts_with(['-', '+']) || text.ends_with('-') {
            return Err(fail());
        }
        let (int_part, frac_part) = match text.split_once(self.decimal) {
            Some((i, f)) => (i, Some(f)),
            None => (text.as_str(), None),
        };
        let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        // Thousands separators only in groups of three: `1.234,5` but never `1234.5` misread.
        let int_digits = match self.thousands {
            Some(t) if int_part.contains(t) => {
                let groups: Vec<&str> = int_part.split(t).collect();
                let ok = groups[0].len() <= 3
                    && groups.iter().all(|g| digits(g))
                    && groups[1..].iter().all(|g| g.len() == 3);
                if !ok {
                    return Err(fail());
                }
                groups.concat()
            }
            _ if int_part.is_empty() && frac_part.is_some() => "0".to_owned(),
            _ if digits(int_part) => int_part.to_owned(),
            _ => return Err(fail()),
        };
        let plain = match frac_part {
            Some(f) if digits(f) => format!("{int_digits}.{f}"),
            Some(_) => return Err(fail()),
            None => int_digits,
        };
        let value = Decimal::from_str(&plain).map_err(|_| fail())?;
        Ok(if negative { -value } else { value })
    }

    /// A non-negative whole number (leading zeros allowed, as in SAP's `000010`).
    pub fn integer(&self, field: &'static str, raw: &str) -> Result<u32, ValueError> {
        raw.trim()
            .parse::<u32>()
            .map_err(|_| Self::error(field, raw, "a whole number".into()))
    }

    /// The items of a list field, trimmed, empty ones dropped.
    pub fn list(&self, raw: &str) -> Vec<String> {
        raw.split(self.list)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sap() -> Formats {
        Formats {
            decimal: ',',
            thousands: Some('.'),
            dates: vec!["%d.%m.%Y".into(), "%Y%m%d".into()],
            datetimes: vec!["%Y%m%d %H%M%S".into()],
            list: '|',
        }
    }

    #[test]
    fn numbers_follow_the_sources_separators_and_minus_signs() {
        let f = sap();
        assert_eq!(
            f.decimal("q", "1.234,56").expect("n"),
            Decimal::new(123456, 2)
        );
        assert_eq!(f.decimal("q", "12,50-").expect("n"), Decimal::new(-1250, 2));
        assert_eq!(f.decimal("q", "-3").expect("n"), Decimal::new(-3, 0));
        assert_eq!(f.decimal("q", "0,5").expect("n"), Decimal::new(5, 1));
        for bad in [
            "",
            "1,2,3",
            "12.34.5,6,7",
            "abc",
            "1 234",
            "--1",
            ".",
            ",",
            "1-2",
            "1234.5",
            "1.23,4",
        ] {
            assert!(f.decimal("q", bad).is_err(), "{bad:?} parsed");
        }
        let err = f.decimal("quantity", "x").expect_err("bad");
        assert_eq!(
            err.to_string(),
            "quantity: \"x\" is not a number such as -1.234,56"
        );
        let plain = Formats::canonical();
        assert_eq!(
            plain.decimal("q", "1234.5").expect("n"),
            Decimal::new(12345, 1)
        );
        assert!(plain.decimal("q", "1,5").is_err());
    }

    #[test]
    fn dates_and_times_follow_the_sources_formats() {
        let f = sap();
        let d = NaiveDate::from_ymd_opt(2025, 12, 31).expect("date");
        assert_eq!(f.date("d", "31.12.2025").expect("date"), d);
        assert_eq!(f.date("d", "20251231").expect("date"), d);
        assert!(f.date("d", "2025-12-31").is_err());
        assert!(f.date("d", "31.02.2025").is_err());
        let t = f.datetime("v", "20251231 235958").expect("time");
        assert_eq!(t.to_rfc3339(), "2025-12-31T23:59:58+00:00");
        assert_eq!(
            f.datetime("v", "2025-12-31T23:59:58+01:00")
                .expect("rfc")
                .to_rfc3339(),
            "2025-12-31T22:59:58+00:00"
        );
        assert_eq!(f.datetime("v", "31.12.2025").expect("date").date_naive(), d);
    }
}

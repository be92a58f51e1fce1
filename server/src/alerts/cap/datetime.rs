//! CAP dateTimes: the schema's `YYYY-MM-DDThh:mm:ss±hh:mm` read into Unix milliseconds, and
//! written back in Asia/Shanghai (+08:00). The calendar is `app::domain::time`'s.

use super::error::{arg, Reason, Why};
use app::domain::time::{days_from_civil, days_in_month, LocalTime, SHANGHAI_OFFSET_SECS};

/// CAP dateTime "2026-07-14T10:22:33+08:00" (CAP forbids "Z"; accept "-00:00"/"+00:00") → Unix milliseconds.
///
/// The form is exactly the schema's pattern `\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\d[-,+]\d\d:\d\d`
/// (no fractional seconds, no "Z"), and the fields must make a real date and time: year from
/// 0001, seconds 00–59, offset at most ±14:00.
pub fn parse_datetime(s: &str) -> Result<i64, Why> {
    let b = s.as_bytes();
    let wrong = |reason: Reason| Err(Why::new(reason, Vec::new()));
    if s.ends_with('Z') || s.ends_with('z') {
        return wrong(Reason::DtZulu);
    }
    let shape_ok = b.len() == 25
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 | 22 => c == b':',
            19 => c == b'+' || c == b'-',
            _ => c.is_ascii_digit(),
        });
    if !shape_ok {
        return wrong(Reason::DtShape);
    }
    let num = |from: usize, to: usize| -> i64 {
        b[from..to]
            .iter()
            .fold(0i64, |acc, &c| acc * 10 + i64::from(c - b'0'))
    };
    let (year, month, day) = (num(0, 4), num(5, 7), num(8, 10));
    let (hour, minute, second) = (num(11, 13), num(14, 16), num(17, 19));
    let (off_h, off_m) = (num(20, 22), num(23, 25));
    if year == 0 {
        return wrong(Reason::DtYear);
    }
    if !(1..=12).contains(&month) {
        return Err(Why::new(
            Reason::DtMonth,
            vec![arg("month", format!("{month:02}"))],
        ));
    }
    // Two digits each: the casts cannot truncate.
    let (month, day_of_month) = (month as u32, day as u32);
    if day < 1 || day_of_month > days_in_month(year, month) {
        return Err(Why::new(
            Reason::DtDay,
            vec![arg("day", format!("{day:02}"))],
        ));
    }
    if hour > 23 || minute > 59 || second > 59 {
        return wrong(Reason::DtTime);
    }
    if off_h > 14 || off_m > 59 || (off_h == 14 && off_m != 0) {
        return wrong(Reason::DtOffset);
    }
    let sign = if b[19] == b'-' { -1 } else { 1 };
    let offset_seconds = sign * (off_h * 3600 + off_m * 60);
    let local_seconds =
        days_from_civil(year, month, day_of_month) * 86_400 + hour * 3600 + minute * 60 + second;
    Ok((local_seconds - offset_seconds) * 1000)
}

/// Unix ms → CAP dateTime in Asia/Shanghai (+08:00), whole seconds.
///
/// Milliseconds are dropped (rounded towards the past). Instants outside the years 0001–9999
/// are clamped to the first or last second of that range, so the result always fits the
/// schema's pattern.
pub fn format_datetime(epoch_ms: i64) -> String {
    // 0001-01-01T00:00:00+08:00 and 9999-12-31T23:59:59+08:00 as Unix seconds.
    let min = days_from_civil(1, 1, 1) * 86_400 - SHANGHAI_OFFSET_SECS;
    let max = days_from_civil(9999, 12, 31) * 86_400 + 86_399 - SHANGHAI_OFFSET_SECS;
    let secs = epoch_ms.div_euclid(1000).clamp(min, max);
    LocalTime::shanghai(secs * 1000).rfc3339()
}

//! Instants are milliseconds since the Unix epoch; people read them in Asia/Shanghai
//! (UTC+8 all year: China has had no daylight saving time since 1991).

/// Offset of Asia/Shanghai from UTC, in seconds.
pub const SHANGHAI_OFFSET_SECS: i64 = 8 * 3600;

/// Calendar date and time of day in Asia/Shanghai.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl LocalTime {
    pub fn shanghai(epoch_ms: i64) -> LocalTime {
        let secs = epoch_ms.div_euclid(1000) + SHANGHAI_OFFSET_SECS;
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        LocalTime {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: ((rem % 3600) / 60) as u32,
            second: (rem % 60) as u32,
        }
    }

    /// `2026-07-14 10:22`
    pub fn minutes(&self) -> String {
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute
        )
    }

    /// `2026-07-14T10:22:33+08:00` (RFC 3339, for machines and `<time datetime>`).
    pub fn rfc3339(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+08:00",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

impl LocalTime {
    /// `2026-07-14` (the date only).
    pub fn date(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// Whether `year` is a leap year (proleptic Gregorian).
pub fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// How many days `month` (1–12) of `year` has; 0 for a month that does not exist.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        _ => 0,
    }
}

/// (year, month, day) → days since 1970-01-01, proleptic Gregorian (H. Hinnant's
/// `days_from_civil`). The date is not checked: see [`days_in_month`].
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((month + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2026-07-31` → the last second of that day in Zhengzhou (epoch ms); `None` for anything that
/// is not a real date between the years 2000 and 2100.
pub fn end_of_local_day(date: &str) -> Option<i64> {
    let mut parts = date.trim().splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    if !(2000..=2100).contains(&year) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some((days * 86_400 + 86_399 - SHANGHAI_OFFSET_SECS) * 1000)
}

/// `2026-07-14T09:30` (or `…T09:30:15`), as a `datetime-local` input sends it, read in Zhengzhou
/// time → epoch ms. `None` for anything that is not a real date and time of the years 0001–9999.
pub fn parse_local_minutes(input: &str) -> Option<i64> {
    let b = input.trim().as_bytes();
    let shape_ok = (b.len() == 16 || b.len() == 19)
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            _ => c.is_ascii_digit(),
        });
    if !shape_ok {
        return None;
    }
    let num = |from: usize, to: usize| -> i64 {
        b[from..to]
            .iter()
            .fold(0, |acc, &c| acc * 10 + i64::from(c - b'0'))
    };
    let (year, month, day) = (num(0, 4), num(5, 7) as u32, num(8, 10) as u32);
    let (hour, minute) = (num(11, 13), num(14, 16));
    let second = if b.len() == 19 { num(17, 19) } else { 0 };
    if year == 0 || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let local = days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second;
    Some((local - SHANGHAI_OFFSET_SECS) * 1000)
}

/// `2026-07-14T09:30`, the value of a `datetime-local` input (Zhengzhou time).
pub fn local_minutes(epoch_ms: i64) -> String {
    let t = LocalTime::shanghai(epoch_ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        t.year, t.month, t.day, t.hour, t.minute
    )
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_shown_in_shanghai_time() {
        // 2026-07-15T02:22:33Z is 10:22:33 in Zhengzhou.
        let t = LocalTime::shanghai(1_784_082_153_000);
        assert_eq!(t.rfc3339(), "2026-07-15T10:22:33+08:00");
        assert_eq!(LocalTime::shanghai(0).minutes(), "1970-01-01 08:00");
        // Just before midnight UTC is the next morning in Shanghai.
        assert_eq!(
            LocalTime::shanghai(1_767_225_599_000).minutes(),
            "2026-01-01 07:59"
        );
    }

    #[test]
    fn a_date_means_the_end_of_that_day_in_zhengzhou() {
        let at = end_of_local_day("2026-07-31").unwrap();
        let t = LocalTime::shanghai(at);
        assert_eq!(
            (t.year, t.month, t.day, t.hour, t.minute, t.second),
            (2026, 7, 31, 23, 59, 59)
        );
        assert_eq!(end_of_local_day("2026-02-30"), None);
        assert_eq!(end_of_local_day("31/07/2026"), None);
        assert_eq!(end_of_local_day("2026-13-01"), None);
        assert_eq!(
            end_of_local_day("2024-02-29").map(|a| LocalTime::shanghai(a).day),
            Some(29)
        );
    }

    #[test]
    fn a_datetime_local_input_is_read_in_zhengzhou_time() {
        let ms = parse_local_minutes("2026-07-14T09:30").unwrap();
        assert_eq!(LocalTime::shanghai(ms).minutes(), "2026-07-14 09:30");
        assert_eq!(local_minutes(ms), "2026-07-14T09:30");
        assert_eq!(
            parse_local_minutes(" 2026-07-14T09:30:15 "),
            Some(ms + 15_000)
        );
        assert_eq!(parse_local_minutes("14/07/2026"), None);
        for bad in [
            "2026-02-30T09:30",
            "2026-13-01T09:30",
            "2026-07-14T24:00",
            "2026-07-14T09:60",
            "0000-01-01T00:00",
            "2026-07-14 09:30",
            "2026-07-14T09:30:60",
        ] {
            assert_eq!(parse_local_minutes(bad), None, "{bad}");
        }
    }

    #[test]
    fn days_from_civil_undoes_civil_from_days() {
        for z in [-719_468, -1, 0, 1, 19_000, 20_000, 60_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn leap_days_and_year_ends_are_right() {
        assert_eq!(
            LocalTime::shanghai(1_709_164_800_000 - 8 * 3600 * 1000).minutes(),
            "2024-02-29 00:00"
        );
        assert_eq!(
            LocalTime::shanghai(1_735_660_799_000).minutes(),
            "2024-12-31 23:59"
        );
    }
}

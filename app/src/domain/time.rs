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

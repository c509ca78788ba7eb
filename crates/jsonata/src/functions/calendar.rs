//! Proleptic Gregorian calendar arithmetic on milliseconds since the epoch, in UTC, as JavaScript's `Date`
//! computes it. No clock and no time zones beyond fixed offsets.

pub(crate) const MILLIS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 of a civil date (`month` 1-12; out-of-range months and days roll over).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = year + (month - 1).div_euclid(12);
    let month = (month - 1).rem_euclid(12) + 1;
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 + day - 1
}

/// The civil date (year, month 1-12, day) of a day number.
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

/// `Date.UTC(year, month0, day, hours, minutes, seconds, millis)` with a 0-based month.
pub(crate) fn utc(year: i64, month0: i64, day: i64, hours: i64, minutes: i64, seconds: i64, millis: i64) -> i64 {
    days_from_civil(year, month0 + 1, day) * MILLIS_PER_DAY + ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis
}

/// The UTC fields of an instant.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DateTime {
    pub(crate) millis: i64,
    pub(crate) year: i64,
    /// 1-12.
    pub(crate) month: i64,
    pub(crate) day: i64,
    pub(crate) hours: i64,
    pub(crate) minutes: i64,
    pub(crate) seconds: i64,
    pub(crate) milliseconds: i64,
    /// 0 = Sunday.
    pub(crate) weekday: i64,
}

impl DateTime {
    pub(crate) fn from_millis(millis: i64) -> Self {
        let days = millis.div_euclid(MILLIS_PER_DAY);
        let in_day = millis.rem_euclid(MILLIS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        Self {
            millis,
            year,
            month,
            day,
            hours: in_day / 3_600_000,
            minutes: in_day / 60_000 % 60,
            seconds: in_day / 1000 % 60,
            milliseconds: in_day % 1000,
            weekday: (days + 4).rem_euclid(7),
        }
    }
}

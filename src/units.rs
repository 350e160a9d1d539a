//! Unit conventions shared by every module and stated in every report: hours per month, bytes per GB.

use rust_decimal::Decimal;

/// Hours in a billing month, AWS's and Infracost's convention.
pub const HOURS_PER_MONTH: u32 = 730;

/// Bytes in one GB as the price list's binary tier boundaries imply (2^30).
pub const BYTES_PER_GB: u64 = 1 << 30;

/// Seconds in a 730-hour month.
pub const SECONDS_PER_MONTH: u64 = HOURS_PER_MONTH as u64 * 3600;

/// Hours per month as an exact decimal.
pub fn hours_per_month() -> Decimal {
    Decimal::from(HOURS_PER_MONTH)
}

/// Monthly GB for `bytes` observed over `window_seconds`, unrounded.
pub fn monthly_gb(bytes: u64, window_seconds: u64) -> Decimal {
    if window_seconds == 0 {
        return Decimal::ZERO;
    }
    // bytes * (seconds per month / window) / bytes per GB, kept exact as long as possible.
    let bytes = Decimal::from(bytes);
    let factor = Decimal::from(SECONDS_PER_MONTH) / Decimal::from(window_seconds);
    bytes / Decimal::from(BYTES_PER_GB) * factor
}

/// Observed bytes to GB (no scaling).
pub fn gb(bytes: u64) -> Decimal {
    Decimal::from(bytes) / Decimal::from(BYTES_PER_GB)
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

//! Durations on the command line: `30s`, `15m`, `12h`, `21d`. Hand-written
//! rather than humantime because these four units are all the observe
//! options need, and a dependency for ten lines is not worth its audit.

use std::time::Duration;

/// A whole number followed by `s`, `m`, `h` or `d`; zero is refused.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let count: u64 = digits.parse().map_err(|_| format!("`{text}`: expected a number and a unit, like 30s or 21d"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("`{text}`: the unit must be s, m, h or d")),
    };
    if count == 0 {
        return Err(format!("`{text}`: must be longer than zero"));
    }
    count.checked_mul(seconds).map(Duration::from_secs).ok_or_else(|| format!("`{text}`: too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_refusals() {
        assert_eq!(parse_duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("12h"), Ok(Duration::from_secs(43_200)));
        assert_eq!(parse_duration("21d"), Ok(Duration::from_secs(21 * 86_400)));
        for bad in ["", "30", "s", "3x", "0s", "-5m", "1.5h", "99999999999999999999d"] {
            assert!(parse_duration(bad).is_err(), "{bad} accepted");
        }
    }
}

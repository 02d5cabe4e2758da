//! The built-in demo: a deterministic, realistic 42-day observation stream
//! for two servers, with coverage and inventory records, produced by a
//! seeded generator (ChaCha8: the same seed gives the same stream on every
//! platform and rand version that keeps ChaCha8's output).
//!
//! - `fs01`, a Windows file server: see [`file_server`].
//! - `web01`, a Linux web server: see [`web_server`].

mod file_server;
mod web_server;

use crate::observation::{Coverage, Endpoint, Event, Inventory, Observation};
use crate::InventoryItem;
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc, Weekday};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::net::{IpAddr, Ipv4Addr};

pub const DEMO_SEED: u64 = 0x007e_3be5_2026;
pub const DEMO_DAYS: i64 = 42;

/// The first instant of the demo window.
pub fn demo_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).single().expect("valid date")
}

/// The whole demo stream, in time order, normalised as any source's output is.
pub fn demo_observations(seed: u64) -> Vec<Observation> {
    let mut gen = Generator { rng: ChaCha8Rng::seed_from_u64(seed), out: Vec::new() };
    file_server::generate(&mut gen);
    web_server::generate(&mut gen);
    let mut out = gen.out;
    for obs in &mut out {
        obs.normalize();
    }
    // Stable sort: same-instant observations keep their generation order.
    out.sort_by_key(|o| o.time);
    out
}

/// Shared state and helpers of the two host generators.
pub(crate) struct Generator {
    pub rng: ChaCha8Rng,
    pub out: Vec<Observation>,
}

impl Generator {
    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }

    pub fn between(&mut self, low: u32, high_inclusive: u32) -> u32 {
        self.rng.random_range(low..=high_inclusive)
    }

    /// A time on `day` between the two hours, with random minutes and seconds.
    pub fn time_on(&mut self, day: i64, from_hour: u32, to_hour_exclusive: u32) -> DateTime<Utc> {
        let hour = self.rng.random_range(from_hour..to_hour_exclusive);
        let second = self.rng.random_range(0..3600);
        day_start(day) + Duration::hours(hour as i64) + Duration::seconds(second as i64)
    }

    pub fn ephemeral(&mut self, ip: Ipv4Addr) -> Endpoint {
        Endpoint::new(IpAddr::V4(ip), self.rng.random_range(49152..=65535))
    }

    pub fn push(&mut self, obs: Observation) {
        self.out.push(obs);
    }

    /// One coverage record per source and day: contiguous windows that the
    /// profile joins into one.
    pub fn daily_coverage(&mut self, host: &str, source: &str, categories: &[&str], lost_on: &[(i64, u64)]) {
        for day in 0..DEMO_DAYS {
            let lost = lost_on.iter().find(|(d, _)| *d == day).map_or(0, |(_, n)| *n);
            let event = Event::Coverage(Coverage {
                categories: categories.iter().map(|c| c.to_string()).collect(),
                from: day_start(day),
                to: day_start(day + 1),
                lost,
            });
            self.push(Observation::new(day_start(day + 1), host, source, event));
        }
    }

    pub fn inventory(&mut self, host: &str, day: i64, items: Vec<InventoryItem>) {
        let time = day_start(day) + Duration::minutes(5);
        self.push(Observation::new(time, host, "inventory", Event::Inventory(Inventory { items })));
    }
}

pub fn day_start(day: i64) -> DateTime<Utc> {
    demo_start() + Duration::days(day)
}

pub fn weekday(day: i64) -> Weekday {
    day_start(day).weekday()
}

pub fn is_weekday(day: i64) -> bool {
    !matches!(weekday(day), Weekday::Sat | Weekday::Sun)
}

pub fn v4(a: u8, b: u8, c: u8, d: u8) -> Ipv4Addr {
    Ipv4Addr::new(a, b, c, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_in_time_order() {
        let a = demo_observations(DEMO_SEED);
        let b = demo_observations(DEMO_SEED);
        assert_eq!(a, b);
        assert!(a.windows(2).all(|w| w[0].time <= w[1].time));
        assert!(a.len() > 10_000, "a realistic volume, got {}", a.len());
        let c = demo_observations(DEMO_SEED + 1);
        assert_ne!(a, c);
    }

    #[test]
    fn every_observation_is_valid_and_secrets_are_redacted() {
        let all = demo_observations(DEMO_SEED);
        for obs in &all {
            obs.validate().unwrap();
        }
        let text: String = all.iter().map(|o| serde_json::to_string(o).unwrap()).collect();
        assert!(!text.contains("Winter2026!") && !text.contains("hunter2"), "demo secrets must be redacted");
        assert!(text.contains("[REDACTED]"));
    }
}

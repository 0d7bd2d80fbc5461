//! Per-principal rate limiting (429), off unless configured.
//!
//! Why per principal and not per IP: record systems sit behind NAT and portals behind
//! proxies; the token says who is asking. A token bucket per principal allows a
//! burst of one second's worth and then the configured steady rate. Off by default,
//! because the benchmark's single principal sends far more than any person would.
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use nordlys_policy::Principal;

/// Beyond this many tracked principals, full (idle) buckets are forgotten.
const MAX_TRACKED: usize = 100_000;

pub struct RateLimiter {
    per_second: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    pub fn new(per_second: u32) -> Self {
        RateLimiter {
            per_second: f64::from(per_second.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for the principal; false when its bucket is empty.
    pub fn allow(&self, principal: &Principal) -> bool {
        self.allow_at(&key(principal), Instant::now())
    }

    fn allow_at(&self, key: &str, now: Instant) -> bool {
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_TRACKED && !map.contains_key(key) {
            let cap = self.per_second;
            let rate = self.per_second;
            map.retain(|_, (tokens, at)| {
                *tokens + now.saturating_duration_since(*at).as_secs_f64() * rate < cap
            });
        }
        let (tokens, at) = map.entry(key.to_owned()).or_insert((self.per_second, now));
        let refill = now.saturating_duration_since(*at).as_secs_f64() * self.per_second;
        *tokens = (*tokens + refill).min(self.per_second);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

fn key(p: &Principal) -> String {
    match p {
        Principal::Citizen { pid, .. } => format!("c:{pid}"),
        Principal::Practitioner { hpr, orgnr, .. } => format!("p:{hpr}@{orgnr}"),
        Principal::System {
            client_id, orgnr, ..
        } => format!("s:{client_id}@{orgnr}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_steady_rate() {
        let rl = RateLimiter::new(3);
        let t0 = Instant::now();
        assert_eq!(
            (0..4).map(|_| rl.allow_at("a", t0)).collect::<Vec<_>>(),
            vec![true, true, true, false]
        );
        // Another principal has its own bucket.
        assert!(rl.allow_at("b", t0));
        // A third of a second later, one more token.
        let t1 = t0 + Duration::from_millis(340);
        assert!(rl.allow_at("a", t1));
        assert!(!rl.allow_at("a", t1));
    }
}

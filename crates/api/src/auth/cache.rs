//! A bounded cache of checked tokens.
//!
//! Why: verifying an RS256 signature costs tens of microseconds, which at 15,000
//! reads per second would dominate a read by id. A record system sends the same
//! token for its whole lifetime, so we remember the principal of a token until the
//! token's own `exp`. The key is the full token text (the map hashes it with a
//! per-process random key), so a lookup can never confuse two tokens. The map is
//! bounded: when full, expired entries are dropped, and if that is not enough the
//! map is emptied (a refill costs one signature check per live token).
use std::collections::HashMap;
use std::sync::RwLock;

use nordlys_policy::Principal;

pub struct TokenCache {
    capacity: usize,
    entries: RwLock<HashMap<String, (Principal, u64)>>,
}

impl TokenCache {
    pub fn new(capacity: usize) -> Self {
        TokenCache {
            capacity,
            entries: RwLock::new(HashMap::new()),
        }
    }

    /// The principal of a token checked before, if it has not expired at `now` (epoch seconds).
    pub fn get(&self, token: &str, now: u64) -> Option<Principal> {
        let map = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let (principal, exp) = map.get(token)?;
        (*exp > now).then(|| principal.clone())
    }

    /// Remembers a checked token until `exp` (epoch seconds).
    pub fn insert(&self, token: &str, principal: Principal, exp: u64, now: u64) {
        if self.capacity == 0 || exp <= now {
            return;
        }
        let mut map = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if map.len() >= self.capacity {
            map.retain(|_, (_, e)| *e > now);
            if map.len() >= self.capacity {
                map.clear();
            }
        }
        map.insert(token.to_owned(), (principal, exp));
    }

    pub fn len(&self) -> usize {
        self.entries.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nordlys_policy::SecurityLevel;

    fn citizen(pid: &str) -> Principal {
        Principal::Citizen {
            pid: pid.into(),
            level: SecurityLevel::High,
        }
    }

    #[test]
    fn hit_until_expiry() {
        let c = TokenCache::new(10);
        c.insert("t1", citizen("1"), 100, 50);
        assert_eq!(c.get("t1", 99), Some(citizen("1")));
        assert_eq!(c.get("t1", 100), None);
        assert_eq!(c.get("t2", 60), None);
    }

    #[test]
    fn bounded() {
        let c = TokenCache::new(3);
        c.insert("a", citizen("1"), 10, 0);
        c.insert("b", citizen("2"), 1000, 0);
        c.insert("c", citizen("3"), 1000, 0);
        // Full at now=20: the expired "a" is dropped, the rest stay.
        c.insert("d", citizen("4"), 1000, 20);
        assert_eq!(c.len(), 3);
        assert_eq!(c.get("b", 20), Some(citizen("2")));
        // Full of live entries: emptied, then the new one added.
        c.insert("e", citizen("5"), 1000, 20);
        assert_eq!(c.len(), 1);
        assert_eq!(c.get("e", 20), Some(citizen("5")));
    }

    #[test]
    fn expired_tokens_are_not_stored() {
        let c = TokenCache::new(3);
        c.insert("a", citizen("1"), 10, 10);
        assert!(c.is_empty());
    }
}

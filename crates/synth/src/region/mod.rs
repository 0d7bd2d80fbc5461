//! A synthetic health region of N patients for load tests and benchmarks
//! (quality.md): the directory first, then household by household — families with
//! parents and children (parental responsibility, the youth's parental consent, a
//! referral opened for the parents), single parents, old people with a proxy, single
//! adults — each patient with a full record.
//!
//! Why households and per-household random streams: relations (RelatedPerson, grants)
//! only point inside a household, so the output streams with one household in memory,
//! and each household draws from its own ChaCha stream (`seed`, household number), so the
//! same seed always gives byte-identical output. Ids are positional (`p-000123`,
//! `doc-000123-0007`). The one thing kept across households is the set of national ids
//! already used (8 bytes a person), so ids never repeat.
mod clinical;
mod contact;
mod directory;
mod household;
mod record;
#[cfg(test)]
mod tests;
pub(crate) mod words;

use std::collections::{HashSet, VecDeque};

use chrono::NaiveDate;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::Value;

use crate::make::Clock;
use directory::Directory;

/// What region to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegionConfig {
    /// Number of patients (exactly this many Patient resources).
    pub patients: usize,
    /// The same seed gives the same region.
    pub seed: u64,
    /// Dates are relative to this day; the clock is never read.
    pub today: NaiveDate,
}

/// The region as a stream of FHIR R4 resources; see [`region`].
pub struct Region {
    config: RegionConfig,
    clock: Clock,
    dir: Directory,
    buffer: VecDeque<Value>,
    next_patient: usize,
    household: u64,
    used_pids: HashSet<u64>,
}

/// Streams the region: organisations, locations, practitioners, schedules and free
/// slots first, then each household's patients, relations, grants and records.
pub fn region(config: RegionConfig) -> Region {
    let clock = Clock {
        today: config.today,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let (dir, resources) = directory::directory(config.patients, &mut rng, clock);
    Region {
        config,
        clock,
        dir,
        buffer: resources.into(),
        next_patient: 0,
        household: 0,
        used_pids: HashSet::new(),
    }
}

impl Region {
    fn fill(&mut self) {
        let mut rng = ChaCha8Rng::seed_from_u64(self.config.seed);
        rng.set_stream(self.household + 1);
        let remaining = self.config.patients - self.next_patient;
        let mut out = Vec::new();
        let used = household::household(
            &mut rng,
            household::Place {
                dir: &self.dir,
                clock: self.clock,
                first_patient: self.next_patient,
                remaining,
            },
            &mut self.used_pids,
            &mut out,
        );
        for mut v in out {
            crate::tidy(&mut v);
            self.buffer.push_back(v);
        }
        self.next_patient += used.max(1);
        self.household += 1;
    }
}

impl Iterator for Region {
    type Item = Value;

    fn next(&mut self) -> Option<Value> {
        loop {
            if let Some(v) = self.buffer.pop_front() {
                return Some(v);
            }
            if self.next_patient >= self.config.patients {
                return None;
            }
            self.fill();
        }
    }
}

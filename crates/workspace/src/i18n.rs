//! Languages of the workspace: bokmål (default) and English.
//!
//! Why only two: clinicians work in bokmål; English serves visiting staff and
//! reviewers. The catalogue mechanism (flat JSON key → text with `{name}`
//! placeholders, bokmål fallback) and the Norwegian formats are the shared ones of
//! `nordlys-web`; this module holds the workspace's languages and files (a unit test
//! checks both files have the same keys and placeholders).
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use nordlys_web::i18n::fill;
use nordlys_web::Catalog;

pub use nordlys_web::format::date_time;

/// A workspace language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Nb,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Nb, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Nb => "nb",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code() == code)
    }
}

fn source(lang: Lang) -> &'static str {
    match lang {
        Lang::Nb => include_str!("../locales/nb.json"),
        Lang::En => include_str!("../locales/en.json"),
    }
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let sources: Vec<(&'static str, &str)> = Lang::ALL
            .into_iter()
            .map(|l| (l.code(), source(l)))
            .collect();
        Catalog::from_sources(&sources)
    })
}

/// The text for `key`; bokmål if the language lacks it; empty (and a warning) if
/// both do.
pub fn text(lang: Lang, key: &str) -> &'static str {
    catalog().lookup(lang.code(), key).unwrap_or_else(|| {
        tracing::warn!(key, "workspace text missing");
        ""
    })
}

/// Whether a key exists (for optional texts such as reason codes).
pub fn has(key: &str) -> bool {
    catalog().has(key)
}

/// The text for `key` with `{name}` placeholders filled in.
pub fn text_with(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    fill(text(lang, key), args)
}

/// `04.12.2026` in Norwegian time.
pub fn date(t: DateTime<Utc>) -> String {
    nordlys_web::format::date(nordlys_web::format::oslo_date(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nordlys_web::i18n::placeholders;
    use std::collections::HashMap;

    fn texts(lang: Lang) -> HashMap<String, String> {
        catalog().texts(lang.code()).cloned().unwrap_or_default()
    }

    #[test]
    fn both_languages_have_every_key_and_placeholder() {
        let nb = &texts(Lang::Nb);
        let en = &texts(Lang::En);
        assert!(nb.len() > 50, "bokmål has {} keys", nb.len());
        let mut nb_keys: Vec<&String> = nb.keys().collect();
        let mut en_keys: Vec<&String> = en.keys().collect();
        nb_keys.sort();
        en_keys.sort();
        assert_eq!(nb_keys, en_keys);
        for (k, v) in nb {
            assert_eq!(placeholders(v), placeholders(&en[k]), "placeholders of {k}");
            assert!(!v.is_empty() && !en[k].is_empty(), "empty text {k}");
        }
    }

    #[test]
    fn every_reason_a_citizen_can_meet_has_words() {
        let missing: Vec<&str> = nordlys_policy::all_reason_prefixes()
            .iter()
            .copied()
            .filter(|p| !p.starts_with("practitioner.") && !p.starts_with("system."))
            .filter(|p| !has(&format!("reason.{p}")))
            .collect();
        assert!(missing.is_empty(), "no words for {missing:?}");
    }

    #[test]
    fn dates_are_norwegian() {
        let t = DateTime::parse_from_rfc3339("2026-12-04T13:05:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(date(t), "04.12.2026");
        assert_eq!(date_time(t), "04.12.2026 kl. 14:05");
    }
}

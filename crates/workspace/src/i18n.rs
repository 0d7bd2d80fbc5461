//! Languages of the workspace: bokmål (default) and English.
//!
//! Why only two: clinicians work in bokmål; English serves visiting staff and
//! reviewers. Same approach as the portal's `i18n` (flat JSON key → text with
//! `{name}` placeholders, one file per language in `locales/`, a unit test that both
//! files have the same keys and placeholders) in a minimal own version, because the
//! portal's catalog is compiled from the portal's own files.
use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Oslo;

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

type Catalog = HashMap<String, String>;

fn source(lang: Lang) -> &'static str {
    match lang {
        Lang::Nb => include_str!("../locales/nb.json"),
        Lang::En => include_str!("../locales/en.json"),
    }
}

fn catalogs() -> &'static HashMap<Lang, Catalog> {
    static CATALOGS: OnceLock<HashMap<Lang, Catalog>> = OnceLock::new();
    CATALOGS.get_or_init(|| {
        Lang::ALL
            .into_iter()
            .map(|l| {
                let catalog: Catalog = serde_json::from_str(source(l)).unwrap_or_else(|e| {
                    // Compiled in and checked by a unit test: a build mistake, not a panic.
                    tracing::error!(lang = l.code(), error = %e, "workspace locale is not valid JSON");
                    Catalog::new()
                });
                (l, catalog)
            })
            .collect()
    })
}

/// The text for `key`; bokmål if the language lacks it; the key itself if both do.
pub fn text(lang: Lang, key: &str) -> &'static str {
    let all = catalogs();
    all.get(&lang)
        .and_then(|c| c.get(key))
        .or_else(|| all.get(&Lang::Nb).and_then(|c| c.get(key)))
        .map(String::as_str)
        .unwrap_or_else(|| {
            tracing::warn!(key, "workspace text missing");
            ""
        })
}

/// Whether a key exists (for optional texts such as reason codes).
pub fn has(key: &str) -> bool {
    catalogs()
        .get(&Lang::Nb)
        .is_some_and(|c| c.contains_key(key))
}

/// The text for `key` with `{name}` placeholders filled in.
pub fn text_with(lang: Lang, key: &str, args: &[(&str, &str)]) -> String {
    let mut s = text(lang, key).to_owned();
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

/// `04.12.2026` in Norwegian time.
pub fn date(t: DateTime<Utc>) -> String {
    t.with_timezone(&Oslo).format("%d.%m.%Y").to_string()
}

/// `04.12.2026 kl. 14:05` in Norwegian time.
pub fn date_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&Oslo)
        .format("%d.%m.%Y kl. %H:%M")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(s: &str) -> Vec<String> {
        let mut out: Vec<String> = s
            .split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_owned()))
            .collect();
        out.sort();
        out
    }

    #[test]
    fn both_languages_have_every_key_and_placeholder() {
        let all = catalogs();
        let nb = &all[&Lang::Nb];
        let en = &all[&Lang::En];
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

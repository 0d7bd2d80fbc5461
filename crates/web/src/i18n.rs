//! The locale catalogue: flat JSON resource files, key → text with `{name}`
//! placeholders, one file per language, with bokmål as the fallback.
//!
//! Why flat JSON: translators edit one file per language without touching code, a
//! unit test in each front end proves every language has every key, and a missing
//! key falls back to bokmål rather than showing a key to a user. Each front end
//! keeps its own languages (its `Lang`) and files and loads them through [`Catalog`].
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use axum::http::request::Parts;

use crate::cookie_value;

/// The fallback language's code.
pub const FALLBACK: &str = "nb";

/// Every language's texts, by language code.
#[derive(Debug, Default)]
pub struct Catalog {
    texts: HashMap<&'static str, HashMap<String, String>>,
}

impl Catalog {
    /// Loads `(code, JSON)` sources. The files are compiled in and checked by unit
    /// tests; a file that is not valid JSON is a build mistake, answered with
    /// bokmål/keys and a logged error, not a panic.
    pub fn from_sources(sources: &[(&'static str, &str)]) -> Catalog {
        let texts = sources
            .iter()
            .map(|(code, json)| {
                let texts = serde_json::from_str(json).unwrap_or_else(|e| {
                    tracing::error!(lang = code, error = %e, "locale file is not valid JSON");
                    HashMap::new()
                });
                (*code, texts)
            })
            .collect();
        Catalog { texts }
    }

    /// All texts of one language (for the front ends' completeness tests).
    pub fn texts(&self, code: &str) -> Option<&HashMap<String, String>> {
        self.texts.get(code)
    }

    /// The text for `key` in language `code`, else in bokmål; `None` if neither has it.
    pub fn lookup(&self, code: &str, key: &str) -> Option<&str> {
        self.texts
            .get(code)
            .and_then(|c| c.get(key))
            .or_else(|| self.texts.get(FALLBACK).and_then(|c| c.get(key)))
            .map(String::as_str)
    }

    /// [`Catalog::lookup`], falling back to the key itself.
    pub fn text<'a>(&'a self, code: &str, key: &str) -> &'a str {
        self.lookup(code, key).unwrap_or_else(|| missing(key))
    }

    /// [`Catalog::text`] with `{name}` placeholders filled in.
    pub fn text_with(&self, code: &str, key: &str, args: &[(&str, &str)]) -> String {
        fill(self.text(code, key), args)
    }

    /// Whether a key exists in bokmål (for optional texts, e.g. per reason code).
    pub fn has(&self, key: &str) -> bool {
        self.texts
            .get(FALLBACK)
            .is_some_and(|c| c.contains_key(key))
    }
}

/// How long a language choice is remembered in its cookie: a year.
pub const LANG_COOKIE_MAX_AGE: i64 = 365 * 24 * 3600;

/// The language of a request: `?lang=`, else the session's, else the language
/// cookie's, else the default (bokmål). `from_code` reads a front end's codes.
pub fn request_lang<L: Default>(
    parts: &Parts,
    session: Option<L>,
    lang_cookie: &str,
    from_code: impl Fn(&str) -> Option<L>,
) -> L {
    let from_query = parts
        .uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "lang")
        .and_then(|(_, v)| from_code(v));
    from_query
        .or(session)
        .or_else(|| cookie_value(&parts.headers, lang_cookie).and_then(|c| from_code(&c)))
        .unwrap_or_default()
}

/// Whether the request chooses a language (`?lang=` in its address).
pub fn chooses_lang(parts: &Parts) -> bool {
    parts.uri.query().is_some_and(|q| q.contains("lang="))
}

/// `template` with its `{name}` placeholders filled in.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in args {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The placeholder names of a text, sorted (for the front ends' tests).
pub fn placeholders(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s
        .split('{')
        .skip(1)
        .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_owned()))
        .collect();
    v.sort();
    v
}

/// A missing key is shown as itself (interned: each distinct key leaks once, and keys
/// come from code, so the set is small). Unit tests keep this path unused.
fn missing(key: &str) -> &'static str {
    static MISSING: OnceLock<parking_lot::Mutex<HashSet<&'static str>>> = OnceLock::new();
    tracing::warn!(key, "missing translation");
    let mut set = MISSING.get_or_init(Default::default).lock();
    if let Some(k) = set.get(key) {
        return k;
    }
    let leaked: &'static str = Box::leak(key.to_owned().into_boxed_str());
    set.insert(leaked);
    leaked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::from_sources(&[
            (
                "nb",
                r#"{"hello": "Hei, {name}", "only.nb": "Bare bokmål"}"#,
            ),
            ("en", r#"{"hello": "Hello, {name}"}"#),
            ("se", "not json"),
        ])
    }

    #[test]
    fn falls_back_to_bokmal_then_to_the_key() {
        let c = catalog();
        assert_eq!(c.text("en", "hello"), "Hello, {name}");
        assert_eq!(c.text("en", "only.nb"), "Bare bokmål");
        assert_eq!(c.text("se", "only.nb"), "Bare bokmål");
        assert_eq!(c.lookup("en", "nope"), None);
        assert_eq!(c.text("en", "nope"), "nope");
        assert_eq!(
            c.text_with("en", "hello", &[("name", "Kari")]),
            "Hello, Kari"
        );
        assert!(c.has("only.nb") && !c.has("nope"));
        assert_eq!(c.texts("se").map(HashMap::len), Some(0));
    }

    fn parts(uri: &str, cookie: Option<&str>) -> Parts {
        let mut b = axum::http::Request::builder().uri(uri);
        if let Some(c) = cookie {
            b = b.header(axum::http::header::COOKIE, c);
        }
        b.body(())
            .map(|r| r.into_parts().0)
            .unwrap_or_else(|_| axum::http::Request::new(()).into_parts().0)
    }

    #[test]
    fn query_then_session_then_cookie() {
        let code = |c: &str| (c == "en" || c == "nb").then(|| c.to_owned());
        let lang = |uri, session: Option<&str>, cookie| {
            request_lang(&parts(uri, cookie), session.map(str::to_owned), "l", code)
        };
        assert_eq!(lang("/?a=1&lang=en", Some("nb"), Some("l=nb")), "en");
        assert_eq!(lang("/?lang=xx", Some("nb"), Some("l=en")), "nb");
        assert_eq!(lang("/", None, Some("l=en")), "en");
        assert_eq!(lang("/", None, None), "");
        assert!(chooses_lang(&parts("/x?lang=en", None)));
        assert!(!chooses_lang(&parts("/x", None)));
    }

    #[test]
    fn placeholder_names() {
        assert_eq!(placeholders("{b} og {a}"), vec!["a", "b"]);
        assert!(placeholders("ingen").is_empty());
    }
}

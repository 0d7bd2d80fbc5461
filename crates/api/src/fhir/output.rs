//! Writing FHIR responses: resource headers, Bundles, pretty printing.
//!
//! Why Bundles are written as text: stored bodies are already the JSON we serve, so a
//! searchset is assembled by concatenation instead of parsing every entry into a
//! `Value` and serialising it again (that would double the cost of a search page).
use axum::http::header::{CONTENT_TYPE, ETAG, LAST_MODIFIED, LOCATION};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use nordlys_store::model::format_instant;
use nordlys_store::StoredResource;
use serde_json::{json, Value};

use super::shape::Shaping;
use super::FHIR_JSON;

/// A JSON body with the FHIR content type; pretty-printed on `_pretty=true`.
pub fn fhir_json(status: StatusCode, body: String, pretty: bool) -> Response {
    let body = if pretty { prettify(&body) } else { body };
    let mut r = (status, body).into_response();
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(FHIR_JSON));
    r
}

fn prettify(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .map(|v| crate::outcome::resource_text_pretty(&v))
        .unwrap_or_else(|_| body.to_owned())
}

/// `Last-Modified` format (RFC 9110 IMF-fixdate).
pub fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// Adds `ETag` and `Last-Modified` of a stored version.
pub fn version_headers(response: &mut Response, stored: &StoredResource) {
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&stored.etag()) {
        h.insert(ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&http_date(stored.last_updated)) {
        h.insert(LAST_MODIFIED, v);
    }
}

/// `Location: {base}/Type/id/_history/v`.
pub fn location_header(response: &mut Response, base: &str, stored: &StoredResource) {
    let url = format!(
        "{base}/{}/{}/_history/{}",
        stored.resource_type, stored.id, stored.version
    );
    if let Ok(v) = HeaderValue::from_str(&url) {
        response.headers_mut().insert(LOCATION, v.clone());
        response
            .headers_mut()
            .insert(HeaderName::from_static("content-location"), v);
    }
}

/// One resource with its version headers.
pub fn resource_response(
    status: StatusCode,
    stored: &StoredResource,
    shaping: &Shaping,
    pretty: bool,
) -> Response {
    let mut r = fhir_json(status, shaping.apply(&stored.body), pretty);
    version_headers(&mut r, stored);
    r
}

/// Builds a Bundle as JSON text.
pub struct BundleWriter {
    out: String,
    entries: usize,
}

/// Extra per-entry parts (search mode, request/response for history).
pub enum EntryKind {
    Search(&'static str),
    History,
}

impl BundleWriter {
    /// Starts `{"resourceType":"Bundle",…,"type":…,"total":…,"link":[…],"entry":[`.
    pub fn new(bundle_type: &str, total: Option<usize>, links: &[(&str, String)]) -> Self {
        // The conventional order: resourceType, id, meta, type, total, link, entry.
        let mut out = String::with_capacity(4096);
        out.push_str("{\"resourceType\":\"Bundle\",\"id\":");
        out.push_str(&json!(uuid::Uuid::new_v4().to_string()).to_string());
        out.push_str(",\"meta\":");
        out.push_str(&json!({"lastUpdated": format_instant(Utc::now())}).to_string());
        out.push_str(",\"type\":");
        out.push_str(&json!(bundle_type).to_string());
        if let Some(t) = total {
            out.push_str(&format!(",\"total\":{t}"));
        }
        if !links.is_empty() {
            let links: Vec<Value> = links
                .iter()
                .map(|(rel, url)| json!({"relation": rel, "url": url}))
                .collect();
            out.push_str(",\"link\":");
            out.push_str(&Value::Array(links).to_string());
        }
        BundleWriter { out, entries: 0 }
    }

    /// Appends an entry for a stored version.
    pub fn entry(
        &mut self,
        base: &str,
        stored: &StoredResource,
        kind: EntryKind,
        shaping: &Shaping,
    ) {
        self.out.push_str(if self.entries == 0 {
            ",\"entry\":["
        } else {
            ","
        });
        self.entries += 1;
        let full_url = format!("{base}/{}/{}", stored.resource_type, stored.id);
        self.out.push_str("{\"fullUrl\":");
        self.out.push_str(&Value::String(full_url).to_string());
        if !stored.deleted && !stored.body.is_empty() {
            self.out.push_str(",\"resource\":");
            self.out.push_str(&shaping.apply(&stored.body));
        }
        match kind {
            EntryKind::Search(mode) => {
                self.out.push_str(",\"search\":");
                self.out.push_str(&json!({"mode": mode}).to_string());
            }
            EntryKind::History => {
                let (method, url, status) = if stored.deleted {
                    (
                        "DELETE",
                        format!("{}/{}", stored.resource_type, stored.id),
                        "204 No Content",
                    )
                } else if stored.version == 1 {
                    ("POST", stored.resource_type.clone(), "201 Created")
                } else {
                    (
                        "PUT",
                        format!("{}/{}", stored.resource_type, stored.id),
                        "200 OK",
                    )
                };
                self.out.push_str(",\"request\":");
                self.out
                    .push_str(&json!({"method": method, "url": url}).to_string());
                self.out.push_str(",\"response\":");
                let response = json!({"status": status, "etag": stored.etag(),
                                      "lastModified": format_instant(stored.last_updated)});
                self.out.push_str(&response.to_string());
            }
        }
        self.out.push('}');
    }

    pub fn finish(mut self) -> String {
        if self.entries > 0 {
            self.out.push(']');
        }
        self.out.push('}');
        self.out
    }
}

/// `{base}/{path}?{query}` with the pairs form-encoded.
pub fn link(base: &str, path: &str, query: &[(String, String)]) -> String {
    let mut ser = form_urlencoded::Serializer::new(String::new());
    for (k, v) in query {
        ser.append_pair(k, v);
    }
    let q = ser.finish();
    let sep = if path.is_empty() { "" } else { "/" };
    if q.is_empty() {
        format!("{base}{sep}{path}")
    } else {
        format!("{base}{sep}{path}?{q}")
    }
}

/// `self`, `next`, `previous` for an offset-paged list.
pub fn paging_links(
    base: &str,
    path: &str,
    query: &[(String, String)],
    count: usize,
    offset: usize,
    has_next: bool,
) -> Vec<(&'static str, String)> {
    let page = |off: usize| {
        let mut q = query.to_vec();
        q.push(("_count".into(), count.to_string()));
        if off > 0 {
            q.push(("_offset".into(), off.to_string()));
        }
        link(base, path, &q)
    };
    let mut links = vec![("self", page(offset))];
    if has_next {
        links.push(("next", page(offset + count)));
    }
    if offset > 0 {
        links.push(("previous", page(offset.saturating_sub(count))));
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;
    use nordlys_store::ItemColumns;

    fn stored(id: &str, version: i64, deleted: bool) -> StoredResource {
        StoredResource {
            resource_type: "Patient".into(),
            id: id.into(),
            version,
            last_updated: DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap_or_default(),
            deleted,
            body: if deleted {
                String::new()
            } else {
                format!("{{\"resourceType\":\"Patient\",\"id\":\"{id}\"}}")
            },
            columns: ItemColumns::default(),
        }
    }

    #[test]
    fn searchset_is_valid_json_with_entries() {
        let links = paging_links(
            "http://h/fhir",
            "Patient",
            &[("name".into(), "a b".into())],
            10,
            10,
            true,
        );
        let mut w = BundleWriter::new("searchset", Some(25), &links);
        w.entry(
            "http://h/fhir",
            &stored("a", 1, false),
            EntryKind::Search("match"),
            &Shaping::default(),
        );
        w.entry(
            "http://h/fhir",
            &stored("b", 1, false),
            EntryKind::Search("include"),
            &Shaping::default(),
        );
        let v: Value = serde_json::from_str(&w.finish()).unwrap_or_default();
        assert_eq!(v["total"], 25);
        assert_eq!(v["entry"].as_array().map(Vec::len), Some(2));
        assert_eq!(v["entry"][0]["fullUrl"], "http://h/fhir/Patient/a");
        assert_eq!(v["entry"][1]["search"]["mode"], "include");
        assert_eq!(
            v["link"][0]["url"],
            "http://h/fhir/Patient?name=a+b&_count=10&_offset=10"
        );
        assert_eq!(
            v["link"][1]["url"],
            "http://h/fhir/Patient?name=a+b&_count=10&_offset=20"
        );
        assert_eq!(
            v["link"][2]["url"],
            "http://h/fhir/Patient?name=a+b&_count=10"
        );
    }

    #[test]
    fn empty_and_history_bundles() {
        let v: Value = serde_json::from_str(&BundleWriter::new("searchset", Some(0), &[]).finish())
            .unwrap_or_default();
        assert_eq!(v["total"], 0);
        assert!(v.get("entry").is_none());
        let mut w = BundleWriter::new("history", None, &[]);
        w.entry(
            "http://h/fhir",
            &stored("a", 2, true),
            EntryKind::History,
            &Shaping::default(),
        );
        w.entry(
            "http://h/fhir",
            &stored("a", 1, false),
            EntryKind::History,
            &Shaping::default(),
        );
        let v: Value = serde_json::from_str(&w.finish()).unwrap_or_default();
        assert_eq!(v["entry"][0]["request"]["method"], "DELETE");
        assert!(v["entry"][0].get("resource").is_none());
        assert_eq!(v["entry"][1]["request"]["method"], "POST");
        assert_eq!(v["entry"][1]["response"]["etag"], "W/\"1\"");
    }

    #[test]
    fn http_date_format() {
        let t = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        assert_eq!(http_date(t), "Tue, 14 Nov 2023 22:13:20 GMT");
    }
}

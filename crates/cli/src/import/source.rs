//! Reading import files into resources with positions, on a blocking thread.
//!
//! Why streaming: NDJSON exports run to gigabytes; we read a line at a time and hand
//! chunks to the importer, so memory stays at about one chunk. A Bundle file is read
//! whole (Bundles are transaction-sized), its `urn:uuid:` fullUrls become ids and the
//! references to them `Type/uuid`, so the result can be stored with stable ids and
//! re-imported idempotently.
use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

/// Where a record came from, for error messages.
#[derive(Debug, Clone)]
pub struct Position {
    pub file: Arc<str>,
    pub line: Option<usize>,
    pub entry: Option<usize>,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, " line {l}")?;
        }
        if let Some(e) = self.entry {
            write!(f, " entry {e}")?;
        }
        Ok(())
    }
}

/// One record read: a resource to store, or the reason it cannot be.
pub enum Item {
    Resource(Value, Position),
    Bad(Position, String),
}

/// Files to read: the given files, and `*.json`/`*.ndjson`/`*.jsonl` inside given folders (sorted).
pub fn collect_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out)?;
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            anyhow::bail!("{} does not exist", p.display());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("cannot read folder {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("json" | "ndjson" | "jsonl")
        ) {
            out.push(p);
        }
    }
    Ok(())
}

/// Reads one file, calling `emit` for each record.
pub fn read_file(path: &Path, emit: &mut dyn FnMut(Item)) {
    let name: Arc<str> = Arc::from(path.display().to_string());
    let whole = Position {
        file: name.clone(),
        line: None,
        entry: None,
    };
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return emit(Item::Bad(whole, format!("cannot open: {e}"))),
    };
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let ndjson = match ext {
        "ndjson" | "jsonl" => true,
        "json" => false,
        _ => sniff_ndjson(&mut reader),
    };
    if ndjson {
        read_ndjson(reader, &name, emit);
    } else {
        let mut text = Vec::new();
        if let Err(e) = reader.read_to_end(&mut text) {
            return emit(Item::Bad(whole, format!("cannot read: {e}")));
        }
        match serde_json::from_slice::<Value>(&text) {
            Ok(v) => expand(v, whole, emit),
            Err(e) => emit(Item::Bad(whole, format!("not valid JSON: {e}"))),
        }
    }
}

/// A file whose first non-blank line is a complete JSON value is NDJSON.
fn sniff_ndjson(reader: &mut BufReader<File>) -> bool {
    match reader.fill_buf() {
        Ok(buf) => {
            let first = buf
                .split(|b| *b == b'\n')
                .find(|l| !l.iter().all(u8::is_ascii_whitespace));
            first.is_some_and(|l| serde_json::from_slice::<Value>(l).is_ok())
        }
        Err(_) => false,
    }
}

fn read_ndjson(mut reader: impl BufRead, name: &Arc<str>, emit: &mut dyn FnMut(Item)) {
    let mut buf = Vec::new();
    let mut line = 0usize;
    loop {
        buf.clear();
        line += 1;
        let pos = Position {
            file: name.clone(),
            line: Some(line),
            entry: None,
        };
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) => return emit(Item::Bad(pos, format!("cannot read: {e}"))),
        }
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Value>(&buf) {
            Ok(v) => expand(v, pos, emit),
            Err(e) => emit(Item::Bad(pos, format!("not valid JSON: {e}"))),
        }
    }
}

/// A resource, or the entries of a Bundle.
fn expand(value: Value, pos: Position, emit: &mut dyn FnMut(Item)) {
    if value.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
        return emit(check(value, pos));
    }
    let Some(Value::Array(entries)) = value.get("entry") else {
        return; // an empty Bundle holds nothing to import
    };
    // urn:uuid:X → Type/X for every entry that has such a fullUrl.
    let mut renames: HashMap<String, String> = HashMap::new();
    for e in entries {
        let full = e.get("fullUrl").and_then(Value::as_str).unwrap_or("");
        let rt = e.pointer("/resource/resourceType").and_then(Value::as_str);
        if let (Some(uuid), Some(rt)) = (full.strip_prefix("urn:uuid:"), rt) {
            renames.insert(full.to_owned(), format!("{rt}/{uuid}"));
        }
    }
    for (i, e) in entries.iter().enumerate() {
        let epos = Position {
            entry: Some(i + 1),
            ..pos.clone()
        };
        let Some(resource) = e.get("resource") else {
            emit(Item::Bad(epos, "entry has no resource".into()));
            continue;
        };
        let mut resource = resource.clone();
        if let Some(uuid) = e
            .get("fullUrl")
            .and_then(Value::as_str)
            .and_then(|f| f.strip_prefix("urn:uuid:"))
        {
            if let Some(obj) = resource.as_object_mut() {
                obj.insert("id".into(), Value::String(uuid.to_owned()));
            }
        }
        if !renames.is_empty() {
            rewrite_references(&mut resource, &renames);
        }
        emit(check(resource, epos));
    }
}

fn rewrite_references(v: &mut Value, renames: &HashMap<String, String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if k == "reference" {
                    if let Value::String(r) = child {
                        if let Some(new) = renames.get(r.as_str()) {
                            *r = new.clone();
                        }
                    }
                } else {
                    rewrite_references(child, renames);
                }
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|c| rewrite_references(c, renames)),
        _ => {}
    }
}

/// Import keeps ids, so every resource needs a type and a valid id.
fn check(v: Value, pos: Position) -> Item {
    if v.get("resourceType").and_then(Value::as_str).is_none() {
        return Item::Bad(pos, "not a FHIR resource (no resourceType)".into());
    }
    match v.get("id").and_then(Value::as_str) {
        Some(id) if is_fhir_id(id) => Item::Resource(v, pos),
        Some(_) => Item::Bad(
            pos,
            "id is not a valid FHIR id ([A-Za-z0-9-.], at most 64)".into(),
        ),
        None => Item::Bad(
            pos,
            "resource has no id (import keeps ids; give one or a urn:uuid fullUrl)".into(),
        ),
    }
}

fn is_fhir_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run_expand(v: Value) -> (Vec<Value>, Vec<String>) {
        let pos = Position {
            file: Arc::from("b.json"),
            line: None,
            entry: None,
        };
        let (mut ok, mut bad) = (Vec::new(), Vec::new());
        expand(v, pos, &mut |i| match i {
            Item::Resource(v, _) => ok.push(v),
            Item::Bad(p, r) => bad.push(format!("{p}: {r}")),
        });
        (ok, bad)
    }

    #[test]
    fn bundle_urn_uuids_become_ids_and_references() {
        let b = json!({"resourceType": "Bundle", "type": "transaction", "entry": [
            {"fullUrl": "urn:uuid:11111111-2222-3333-4444-555555555555",
             "resource": {"resourceType": "Patient"}},
            {"fullUrl": "urn:uuid:aaaaaaaa-2222-3333-4444-555555555555",
             "resource": {"resourceType": "Observation",
                          "subject": {"reference": "urn:uuid:11111111-2222-3333-4444-555555555555"}}},
            {"request": {"method": "DELETE", "url": "Patient/x"}}
        ]});
        let (ok, bad) = run_expand(b);
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[0]["id"], "11111111-2222-3333-4444-555555555555");
        assert_eq!(
            ok[1]["subject"]["reference"],
            "Patient/11111111-2222-3333-4444-555555555555"
        );
        assert_eq!(
            bad,
            vec!["b.json entry 3: entry has no resource".to_owned()]
        );
    }

    #[test]
    fn ndjson_reports_line_numbers() {
        let text =
            "{\"resourceType\":\"Patient\",\"id\":\"a\"}\n\n{bad\n{\"resourceType\":\"Patient\"}\n";
        let name: Arc<str> = Arc::from("x.ndjson");
        let (mut ok, mut bad) = (Vec::new(), Vec::new());
        read_ndjson(text.as_bytes(), &name, &mut |i| match i {
            Item::Resource(v, p) => ok.push((v["id"].clone(), p.to_string())),
            Item::Bad(p, _) => bad.push(p.to_string()),
        });
        assert_eq!(ok, vec![(json!("a"), "x.ndjson line 1".to_owned())]);
        assert_eq!(
            bad,
            vec!["x.ndjson line 3".to_owned(), "x.ndjson line 4".to_owned()]
        );
    }
}

//! Attachments of dialog messages: the size limit, the allowed types, and the check
//! that the bytes are what the declared type says (magic numbers).
//!
//! Why a check of our own and not a crate: three types (PDF, JPEG, PNG) have fixed,
//! well-known signatures; a few lines are easier to review than a dependency. Why the
//! bytes are checked at all: a file called `x.pdf` that is really an HTML page or an
//! executable must not reach the unit's clinicians as "a PDF". Every attachment is
//! checked before anything is written, so a refused upload leaves no partial message.
use base64::Engine;
use serde_json::{json, Value};

use super::prepare::prepare_write;
use crate::error::{StoreError, StoreResult};
use crate::model::{PendingWrite, Precondition};

/// The largest attachment a message takes (5 MiB: a base64 FHIR body with one still
/// fits the API's 8 MiB request limit).
pub const MAX_ATTACHMENT_BYTES: usize = 5 * 1024 * 1024;
/// At most this many attachments per message.
pub const MAX_ATTACHMENTS: usize = 5;
/// The types a message may carry.
pub const ALLOWED_TYPES: [&str; 3] = ["application/pdf", "image/jpeg", "image/png"];

/// One uploaded file.
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    /// The declared type (from the form or the Attachment).
    pub content_type: String,
    /// The file name shown to the reader.
    pub title: String,
    pub data: Vec<u8>,
}

/// The type the bytes themselves say they are, if one of the allowed ones.
pub fn sniff(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if data.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

/// Checks every upload (count, size, type, bytes); the first violation refuses all.
pub fn check_uploads(uploads: &[Upload]) -> StoreResult<()> {
    if uploads.len() > MAX_ATTACHMENTS {
        return Err(StoreError::TooLarge(format!(
            "a message takes at most {MAX_ATTACHMENTS} attachments"
        )));
    }
    for u in uploads {
        if u.data.len() > MAX_ATTACHMENT_BYTES {
            return Err(StoreError::TooLarge(format!(
                "the attachment is larger than {} MB",
                MAX_ATTACHMENT_BYTES / (1024 * 1024)
            )));
        }
        let declared = u
            .content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        if !ALLOWED_TYPES.contains(&declared.as_str()) {
            return Err(StoreError::UnsupportedMedia(
                "attachments must be PDF, JPEG or PNG files".into(),
            ));
        }
        if sniff(&u.data) != Some(declared.as_str()) {
            return Err(StoreError::UnsupportedMedia(
                "the attachment's content is not the type it claims to be (PDF, JPEG or PNG)"
                    .into(),
            ));
        }
    }
    Ok(())
}

/// A clean file name to show: no path, no control characters, at most 120 characters.
fn clean_title(title: &str) -> String {
    let base = title.rsplit(['/', '\\']).next().unwrap_or_default();
    let t: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    if t.trim().is_empty() {
        "vedlegg".into()
    } else {
        t
    }
}

/// The Binary write of each upload (owned by the unit) and the `contentAttachment`
/// pointing at it. The gate decides a Binary through the Communication carrying it.
pub fn binary_writes(
    uploads: &[Upload],
    owner: Option<String>,
) -> StoreResult<(Vec<PendingWrite>, Vec<Value>)> {
    let mut writes = Vec::new();
    let mut attachments = Vec::new();
    for u in uploads {
        let id = uuid::Uuid::new_v4().to_string();
        let content_type = sniff(&u.data).unwrap_or("application/octet-stream");
        let data = base64::engine::general_purpose::STANDARD.encode(&u.data);
        let binary = json!({"resourceType": "Binary", "contentType": content_type, "data": data});
        writes.push(prepare_write(
            binary,
            "Binary",
            &id,
            owner.clone(),
            Precondition::MustNotExist,
        )?);
        attachments.push(
            json!({"contentType": content_type, "url": format!("Binary/{id}"),
            "size": u.data.len(), "title": clean_title(&u.title)}),
        );
    }
    Ok((writes, attachments))
}

/// Uploads carried inline in a posted Communication (`payload.contentAttachment.data`),
/// taken out so they are checked and stored as Binaries like the portal's. Attachments
/// that already point at a Binary (`url`) are kept as they are.
pub fn inline_uploads(communication: &mut Value) -> StoreResult<Vec<Upload>> {
    let mut out = Vec::new();
    let Some(payload) = communication
        .get_mut("payload")
        .and_then(Value::as_array_mut)
    else {
        return Ok(out);
    };
    let mut kept = Vec::new();
    for p in payload.drain(..) {
        let data = p
            .pointer("/contentAttachment/data")
            .and_then(Value::as_str)
            .map(str::to_string);
        let Some(data) = data else {
            kept.push(p);
            continue;
        };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.as_bytes())
            .map_err(|_| StoreError::BadRequest("an attachment's data is not base64".into()))?;
        let s = |k: &str| {
            p.pointer(&format!("/contentAttachment/{k}"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        out.push(Upload {
            content_type: s("contentType"),
            title: s("title"),
            data: bytes,
        });
    }
    *payload = kept;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(ct: &str, data: &[u8]) -> Upload {
        Upload {
            content_type: ct.into(),
            title: "../../etc/x.pdf".into(),
            data: data.to_vec(),
        }
    }

    #[test]
    fn types_are_checked_against_the_bytes() {
        assert!(check_uploads(&[up("application/pdf", b"%PDF-1.7 ...")]).is_ok());
        assert!(check_uploads(&[up("image/png", b"\x89PNG\r\n\x1a\nxx")]).is_ok());
        assert!(check_uploads(&[up("image/jpeg; q=1", b"\xff\xd8\xff\xe0")]).is_ok());
        assert!(matches!(
            check_uploads(&[up("application/pdf", b"<html>")]),
            Err(StoreError::UnsupportedMedia(_))
        ));
        assert!(matches!(
            check_uploads(&[up("text/html", b"<html>")]),
            Err(StoreError::UnsupportedMedia(_))
        ));
        assert!(matches!(
            check_uploads(&[up("image/png", b"%PDF-1.7")]),
            Err(StoreError::UnsupportedMedia(_))
        ));
        let mut big = b"%PDF-".to_vec();
        big.resize(MAX_ATTACHMENT_BYTES + 1, b' ');
        assert!(matches!(
            check_uploads(&[up("application/pdf", &big)]),
            Err(StoreError::TooLarge(_))
        ));
    }

    #[test]
    fn binaries_and_clean_titles() {
        let (writes, atts) = binary_writes(&[up("application/pdf", b"%PDF-1")], Some("1".into()))
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(writes.len(), 1);
        assert_eq!(atts[0]["title"], "x.pdf");
        assert_eq!(atts[0]["size"], 6);
        assert_eq!(atts[0]["url"], format!("Binary/{}", writes[0].id));
    }

    #[test]
    fn inline_data_is_taken_out() {
        let mut c = json!({"payload": [{"contentString": "hei"},
            {"contentAttachment": {"contentType": "application/pdf", "data": "JVBERi0x", "title": "a.pdf"}}]});
        let ups = inline_uploads(&mut c).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(ups[0].data, b"%PDF-1");
        assert_eq!(c["payload"].as_array().map(Vec::len), Some(1));
    }
}

//! Errors of the storage layer, as data. The API maps them to HTTP in one place;
//! `Internal` carries detail for the server log only, never for the client.
use nordlys_fhir::Issue;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Unknown id, or an item the principal may not see (indistinguishable by design).
    #[error("not found")]
    NotFound { resource_type: String, id: String },
    #[error("resource was deleted")]
    Gone {
        resource_type: String,
        id: String,
        version: i64,
    },
    #[error("unknown resource type {0}")]
    UnknownType(String),
    /// The request itself is wrong (bad search parameter, bad reference…): 400.
    #[error("{0}")]
    BadRequest(String),
    /// Valid JSON that breaks a rule: 422 with the issues.
    #[error("resource is not valid")]
    Invalid(Vec<Issue>),
    /// `If-Match` did not match, or conditional create matched more than one: 412.
    #[error("{0}")]
    PreconditionFailed(String),
    /// A change that must name the version it is based on came without `If-Match`: 428.
    #[error("{0}")]
    PreconditionRequired(String),
    /// Concurrent change of the same resource: 409.
    #[error("{0}")]
    Conflict(String),
    /// The principal may not do this kind of thing at all: 403.
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotSupported(String),
    /// Content larger than the service takes (an attachment over its limit): 413.
    #[error("{0}")]
    TooLarge(String),
    /// Content of a type the service does not take, or whose bytes are not what its
    /// declared type says: 415.
    #[error("{0}")]
    UnsupportedMedia(String),
    /// Anything the backend did not expect. Detail goes to the log only.
    #[error("internal error: {0}")]
    Internal(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

//! Errors about grants: a Consent that does not have the contract's shape, or a grant
//! its author may not write (§ 8, § 10).
//!
//! Why hand-made (no derive crate): the crate keeps its dependency list to serde,
//! chrono and the project's FHIR crate; the messages are written for the person who
//! tried, since the API puts them into an OperationOutcome as they are.
use std::fmt;

/// Why a Consent is not a usable grant, or why an author may not write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GrantError {
    NotAConsent,
    MissingKind,
    UnknownKind(String),
    SeveralKinds,
    MissingStatus,
    /// `scope` research on a non-research kind, or a research kind without it.
    ResearchScope,
    NestedProvision,
    ProvisionType {
        kind: &'static str,
        found: String,
    },
    BadPeriod,
    BadAction(String),
    BadClass(String),
    /// The author may not write this kind at all, or not in this form.
    Forbidden {
        kind: &'static str,
        message: String,
    },
    /// The performer does not denote the author, or is of the wrong kind.
    WrongPerformer {
        kind: &'static str,
        message: String,
    },
    /// Something the kind requires is missing (a referral, a level, an actor).
    Incomplete {
        kind: &'static str,
        message: String,
    },
}

impl fmt::Display for GrantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GrantError::NotAConsent => write!(f, "a grant must be a Consent resource"),
            GrantError::MissingKind => write!(
                f,
                "Consent.category must carry one grant kind (system https://nordlys.no/fhir/CodeSystem/grant-kind)"
            ),
            GrantError::UnknownKind(k) => write!(f, "unknown grant kind '{k}'"),
            GrantError::SeveralKinds => write!(f, "Consent.category carries more than one grant kind"),
            GrantError::MissingStatus => write!(f, "Consent.status is required"),
            GrantError::ResearchScope => {
                write!(f, "Consent.scope must be 'research' exactly for grants of kind research")
            }
            GrantError::NestedProvision => write!(f, "nested provisions are not supported; write one Consent per rule"),
            GrantError::ProvisionType { kind, found } => {
                write!(f, "provision.type '{found}' does not fit grant kind '{kind}'")
            }
            GrantError::BadPeriod => write!(f, "provision.period or provision.dataPeriod is not a valid period"),
            GrantError::BadAction(c) => write!(f, "unknown provision.action code '{c}'"),
            GrantError::BadClass(c) => write!(
                f,
                "provision.class '{c}' is not a category of https://nordlys.no/fhir/CodeSystem/category"
            ),
            GrantError::Forbidden { kind, message }
            | GrantError::WrongPerformer { kind, message }
            | GrantError::Incomplete { kind, message } => write!(f, "{kind}: {message}"),
        }
    }
}

impl std::error::Error for GrantError {}

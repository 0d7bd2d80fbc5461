//! Grants: the rules of § 8, each stored as one Consent (contract.md), parsed to a
//! plain struct once per patient.
//!
//! Why strict parsing: a rule the engine half-understands is worse than none — an
//! ignored restriction (class, nested provision) would widen access. So anything this
//! model cannot express is an error; the server validates writes with the same parser,
//! and a stored Consent that still fails must be replaced by [`Grant::unreadable`]
//! (which fails closed) rather than dropped.
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::GrantError;
use crate::json::{codings, each, instant, normalise_ref, refs_at, str_at, Span};
use crate::level::{Category, CategorySet, Level};

pub const GRANT_KIND_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/grant-kind";
pub const ACCESS_LEVEL_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/access-level";
pub const CATEGORY_SYSTEM: &str = "https://nordlys.no/fhir/CodeSystem/category";
const SCOPE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/consentscope";

/// The grant kinds of § 8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GrantKind {
    ParentalConsent,
    ParentAccess,
    YouthAccess,
    DenyParents,
    SelfDenyResults,
    Lockdown,
    EmergencyLock,
    Block,
    Shield,
    Reservation,
    Proxy,
    FosterParent,
    LacksCapacity,
    Release,
    Research,
    /// Not a § 8 kind: the patient's consent to sharing the shared care plan (DBEP)
    /// with the other organisations of its care team (docs/careplan.md).
    CareplanSharing,
    /// Not a § 8 kind: a stored Consent that no longer parses. Fails closed (every
    /// citizen and every other organisation `none`), see [`Grant::unreadable`].
    Unreadable,
}

impl GrantKind {
    pub const ALL: [GrantKind; 16] = [
        GrantKind::ParentalConsent,
        GrantKind::ParentAccess,
        GrantKind::YouthAccess,
        GrantKind::DenyParents,
        GrantKind::SelfDenyResults,
        GrantKind::Lockdown,
        GrantKind::EmergencyLock,
        GrantKind::Block,
        GrantKind::Shield,
        GrantKind::Reservation,
        GrantKind::Proxy,
        GrantKind::FosterParent,
        GrantKind::LacksCapacity,
        GrantKind::Release,
        GrantKind::Research,
        GrantKind::CareplanSharing,
    ];

    pub fn code(self) -> &'static str {
        match self {
            GrantKind::ParentalConsent => "parental-consent",
            GrantKind::ParentAccess => "parent-access",
            GrantKind::YouthAccess => "youth-access",
            GrantKind::DenyParents => "deny-parents",
            GrantKind::SelfDenyResults => "self-deny-results",
            GrantKind::Lockdown => "lockdown",
            GrantKind::EmergencyLock => "emergency-lock",
            GrantKind::Block => "block",
            GrantKind::Shield => "shield",
            GrantKind::Reservation => "reservation",
            GrantKind::Proxy => "proxy",
            GrantKind::FosterParent => "foster-parent",
            GrantKind::LacksCapacity => "lacks-capacity",
            GrantKind::Release => "release",
            GrantKind::Research => "research",
            GrantKind::CareplanSharing => "careplan-sharing",
            GrantKind::Unreadable => "unreadable",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        GrantKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Kinds that close (`provision.type` = `deny`); the others open.
    pub fn is_deny(self) -> bool {
        matches!(
            self,
            GrantKind::DenyParents
                | GrantKind::SelfDenyResults
                | GrantKind::Lockdown
                | GrantKind::EmergencyLock
                | GrantKind::Block
                | GrantKind::Shield
                | GrantKind::Reservation
                | GrantKind::Unreadable
        )
    }
}

/// `full` or `limited` proxy (fullmakt).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProxyScope {
    Full,
    Limited,
}

/// Soft blocks yield to emergency access (ETREAT); hard ones never do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Strength {
    Soft,
    Hard,
}

/// Whom a grant is about (`provision.actor`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Actor {
    /// v3-RoleCode, e.g. `PRN` (all parents) or `PROV` (all practitioners).
    pub role: Option<String>,
    /// `RelatedPerson/…`, `Patient/…`, `Practitioner/…`, `Organization/…`.
    pub reference: Option<String>,
    /// `reference.identifier` as (system, value): a national id, HPR or orgnr.
    pub identifier: Option<(String, String)>,
}

impl Actor {
    /// Only a role: everyone in that role.
    pub fn is_role_only(&self) -> bool {
        self.role.is_some() && self.reference.is_none() && self.identifier.is_none()
    }
}

/// An item or a referral a grant is about (`provision.data`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataRef {
    pub reference: String,
    /// `meaning` = `related`: everything linked to it.
    pub related: bool,
}

/// One parsed rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Grant {
    /// `Consent/id`.
    pub id: Option<String>,
    pub kind: GrantKind,
    /// `status` = `active`.
    pub active: bool,
    /// `provision.period` (always when absent).
    pub period: Span,
    /// `Consent.dateTime`.
    pub recorded: Option<DateTime<Utc>>,
    /// `Consent.patient`.
    pub patient: Option<String>,
    pub performers: Vec<Actor>,
    pub actors: Vec<Actor>,
    pub level: Option<Level>,
    pub proxy_scope: Option<ProxyScope>,
    pub strength: Option<Strength>,
    pub data: Vec<DataRef>,
    /// `provision.class` categories; empty = every category.
    pub categories: CategorySet,
    /// `provision.dataPeriod`: only items dated within it.
    pub data_period: Option<Span>,
    /// `scope` = `research`.
    pub research_scope: bool,
}

impl Grant {
    /// A bare grant of `kind`, active, always in force, about nothing in particular.
    pub fn new(kind: GrantKind) -> Grant {
        Grant {
            id: None,
            kind,
            active: true,
            period: Span::ALWAYS,
            recorded: None,
            patient: None,
            performers: Vec::new(),
            actors: Vec::new(),
            level: None,
            proxy_scope: None,
            strength: None,
            data: Vec::new(),
            categories: CategorySet::EMPTY,
            data_period: None,
            research_scope: kind == GrantKind::Research,
        }
    }

    /// The stand-in for a stored Consent that does not parse: closes everything for
    /// citizens and for every organisation but the producing one.
    pub fn unreadable(id: Option<&str>) -> Grant {
        Grant {
            id: id.map(str::to_string),
            ..Grant::new(GrantKind::Unreadable)
        }
    }

    /// Active and `now` within the period.
    pub fn in_force(&self, now_ms: i64) -> bool {
        self.active && self.period.contains(now_ms)
    }
}

/// Parses a Consent of the shape in contract.md.
pub fn grant_from_consent(consent: &Value) -> Result<Grant, GrantError> {
    if str_at(consent, "resourceType") != Some("Consent") {
        return Err(GrantError::NotAConsent);
    }
    let kinds: Vec<&str> = codings(consent.get("category"))
        .into_iter()
        .filter(|(s, _)| *s == GRANT_KIND_SYSTEM)
        .map(|(_, c)| c)
        .collect();
    let kind = match kinds.as_slice() {
        [] => return Err(GrantError::MissingKind),
        [one] => {
            GrantKind::from_code(one).ok_or_else(|| GrantError::UnknownKind(one.to_string()))?
        }
        _ => return Err(GrantError::SeveralKinds),
    };
    let status = str_at(consent, "status").ok_or(GrantError::MissingStatus)?;
    let research_scope = codings(consent.get("scope"))
        .iter()
        .any(|(s, c)| *s == SCOPE_SYSTEM && *c == "research");
    if research_scope != (kind == GrantKind::Research) {
        return Err(GrantError::ResearchScope);
    }
    let empty = Value::Null;
    let prov = consent.get("provision").unwrap_or(&empty);
    if prov.get("provision").is_some() {
        return Err(GrantError::NestedProvision);
    }
    match str_at(prov, "type") {
        None => {}
        Some(t) if (t == "deny") == kind.is_deny() && matches!(t, "deny" | "permit") => {}
        Some(t) => {
            return Err(GrantError::ProvisionType {
                kind: kind.code(),
                found: t.to_string(),
            })
        }
    }
    let period = match prov.get("period") {
        Some(p) => Span::from_period(p).ok_or(GrantError::BadPeriod)?,
        None => Span::ALWAYS,
    };
    let data_period = match prov.get("dataPeriod") {
        Some(p) => Some(Span::from_period(p).ok_or(GrantError::BadPeriod)?),
        None => None,
    };
    let mut g = Grant {
        id: str_at(consent, "id").map(|id| format!("Consent/{id}")),
        active: status == "active",
        period,
        recorded: str_at(consent, "dateTime").and_then(instant),
        patient: refs_at(consent, "patient").into_iter().next(),
        performers: each(consent.get("performer"))
            .map(|r| actor_ref(Some(r), None))
            .collect(),
        actors: each(prov.get("actor"))
            .map(|a| actor_ref(a.get("reference"), a.get("role")))
            .collect(),
        data: each(prov.get("data"))
            .filter_map(|d| {
                let r = d.get("reference").and_then(|r| str_at(r, "reference"))?;
                Some(DataRef {
                    reference: normalise_ref(r),
                    related: str_at(d, "meaning") == Some("related"),
                })
            })
            .collect(),
        data_period,
        research_scope,
        ..Grant::new(kind)
    };
    for action in each(prov.get("action")) {
        for (s, c) in codings(Some(action)) {
            if s != ACCESS_LEVEL_SYSTEM {
                continue;
            }
            match (kind, c) {
                (GrantKind::Proxy, "full") => g.proxy_scope = Some(ProxyScope::Full),
                (GrantKind::Proxy, "limited") => g.proxy_scope = Some(ProxyScope::Limited),
                (_, "soft") => g.strength = Some(Strength::Soft),
                (_, "hard") => g.strength = Some(Strength::Hard),
                (_, "metadata") => g.level = g.level.max(Some(Level::Metadata)),
                (_, "full") => g.level = Some(Level::Full),
                (_, other) => return Err(GrantError::BadAction(other.to_string())),
            }
        }
    }
    for class in each(prov.get("class")) {
        let code = str_at(class, "code").unwrap_or("");
        match (str_at(class, "system"), Category::from_code(code)) {
            (Some(CATEGORY_SYSTEM), Some(c)) => g.categories.insert(c),
            _ => return Err(GrantError::BadClass(code.to_string())),
        }
    }
    Ok(g)
}

fn actor_ref(reference: Option<&Value>, role: Option<&Value>) -> Actor {
    let reference = reference.unwrap_or(&Value::Null);
    Actor {
        role: role.and_then(|r| codings(Some(r)).first().map(|(_, c)| c.to_string())),
        reference: str_at(reference, "reference").map(normalise_ref),
        identifier: reference.get("identifier").and_then(|i| {
            Some((
                str_at(i, "system").unwrap_or("").to_string(),
                str_at(i, "value")?.to_string(),
            ))
        }),
    }
}

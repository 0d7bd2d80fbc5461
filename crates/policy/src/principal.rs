//! Who is asking: the principal taken from a checked access token.

/// The security level of a citizen's login (ID-porten `acr`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SecurityLevel {
    Low,
    Substantial,
    High,
}

impl SecurityLevel {
    /// Maps an ID-porten `acr` value; unknown values are the lowest level.
    pub fn from_acr(acr: &str) -> Self {
        match acr {
            "idporten-loa-high" | "Level4" => SecurityLevel::High,
            "idporten-loa-substantial" | "Level3" => SecurityLevel::Substantial,
            _ => SecurityLevel::Low,
        }
    }
}

/// Purpose of use asserted by a practitioner (national trust framework).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Treatment (TREAT).
    Treat,
    /// Emergency treatment (ETREAT): may pass soft blocks, notifies the patient.
    EmergencyTreat,
    /// Coordination of care (COC).
    CareCoordination,
}

impl Purpose {
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "TREAT" => Some(Purpose::Treat),
            "ETREAT" => Some(Purpose::EmergencyTreat),
            "COC" => Some(Purpose::CareCoordination),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Purpose::Treat => "TREAT",
            Purpose::EmergencyTreat => "ETREAT",
            Purpose::CareCoordination => "COC",
        }
    }
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A citizen (ID-porten): national id and login level.
    Citizen { pid: String, level: SecurityLevel },
    /// Health personnel (HelseID): HPR number, legal entity, asserted care relationship.
    Practitioner {
        hpr: String,
        orgnr: String,
        purpose: Option<Purpose>,
    },
    /// A record system, lab, hub or research system of an organisation.
    System {
        client_id: String,
        orgnr: String,
        scopes: Vec<String>,
    },
}

impl Principal {
    /// The organisation acting, for practitioners and systems.
    pub fn orgnr(&self) -> Option<&str> {
        match self {
            Principal::Citizen { .. } => None,
            Principal::Practitioner { orgnr, .. } | Principal::System { orgnr, .. } => Some(orgnr),
        }
    }
}

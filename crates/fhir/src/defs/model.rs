//! The element tree the validator and the FHIRPath evaluator walk.
//!
//! Why a node table: every resource type, complex datatype and BackboneElement is a
//! `Node` with its children keyed by JSON property name. A choice element `value[x]`
//! appears once as an [`ElementDef`] but under one key per allowed type
//! (`valueQuantity`, `valueString`, …), so a JSON object is checked with one map
//! look-up per property, and `contentReference` (`Questionnaire.item.item`) is just a
//! second edge to an existing node.
use std::collections::HashMap;

/// Index into [`super::Definitions`]' node table.
pub type NodeId = u32;

/// FHIR primitive types (R4 has 20; `xhtml` only in `Narrative.div`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Prim {
    Base64Binary,
    Boolean,
    Canonical,
    Code,
    Date,
    DateTime,
    Decimal,
    Id,
    Instant,
    Integer,
    Markdown,
    Oid,
    PositiveInt,
    String,
    Time,
    UnsignedInt,
    Uri,
    Url,
    Uuid,
    Xhtml,
}

impl Prim {
    pub const ALL: [Prim; 20] = [
        Prim::Base64Binary,
        Prim::Boolean,
        Prim::Canonical,
        Prim::Code,
        Prim::Date,
        Prim::DateTime,
        Prim::Decimal,
        Prim::Id,
        Prim::Instant,
        Prim::Integer,
        Prim::Markdown,
        Prim::Oid,
        Prim::PositiveInt,
        Prim::String,
        Prim::Time,
        Prim::UnsignedInt,
        Prim::Uri,
        Prim::Url,
        Prim::Uuid,
        Prim::Xhtml,
    ];

    /// The FHIR type code (`dateTime`, `base64Binary`, …).
    pub fn name(self) -> &'static str {
        match self {
            Prim::Base64Binary => "base64Binary",
            Prim::Boolean => "boolean",
            Prim::Canonical => "canonical",
            Prim::Code => "code",
            Prim::Date => "date",
            Prim::DateTime => "dateTime",
            Prim::Decimal => "decimal",
            Prim::Id => "id",
            Prim::Instant => "instant",
            Prim::Integer => "integer",
            Prim::Markdown => "markdown",
            Prim::Oid => "oid",
            Prim::PositiveInt => "positiveInt",
            Prim::String => "string",
            Prim::Time => "time",
            Prim::UnsignedInt => "unsignedInt",
            Prim::Uri => "uri",
            Prim::Url => "url",
            Prim::Uuid => "uuid",
            Prim::Xhtml => "xhtml",
        }
    }

    /// The primitive this one specialises in R4 (`canonical` is a `uri`, `code` a
    /// `string`, `positiveInt` an `integer`), as the StructureDefinitions say.
    pub fn base(self) -> Option<Prim> {
        match self {
            Prim::Canonical | Prim::Url | Prim::Uuid | Prim::Oid => Some(Prim::Uri),
            Prim::Code | Prim::Id | Prim::Markdown => Some(Prim::String),
            Prim::PositiveInt | Prim::UnsignedInt => Some(Prim::Integer),
            _ => None,
        }
    }

    /// `self` is `other` or specialises it.
    pub fn is_a(self, other: &str) -> bool {
        self.name() == other || self.base().is_some_and(|b| b.name() == other)
    }

    pub fn from_name(name: &str) -> Option<Prim> {
        Prim::ALL.iter().copied().find(|p| p.name() == name)
    }
}

/// What one allowed type of an element is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Primitive(Prim),
    /// A complex datatype, a BackboneElement or (for resources) a resource root.
    Complex(NodeId),
    /// Any resource (`contained`, `Bundle.entry.resource`): the type comes from the
    /// value's `resourceType`.
    Resource,
}

/// One allowed type of an element and the JSON key it appears under.
#[derive(Debug, Clone)]
pub struct ElemType {
    /// Type code: `Quantity`, `dateTime`, `BackboneElement`, `Resource`, ….
    pub code: String,
    /// JSON property: `valueQuantity` for a choice, else the element name.
    pub key: String,
    pub kind: Kind,
}

/// One element of a node, as in the StructureDefinition snapshot.
#[derive(Debug, Clone)]
pub struct ElementDef {
    /// Name without `[x]`: `value`, `birthDate`.
    pub name: String,
    /// Full path: `Observation.component.value[x]`.
    pub path: String,
    pub min: u32,
    /// `None` = `*`.
    pub max: Option<u32>,
    pub choice: bool,
    pub types: Vec<ElemType>,
    /// Allowed target resource types of a `Reference` element; `None` = any.
    pub targets: Option<Vec<String>>,
}

impl ElementDef {
    /// Repeating elements are JSON arrays.
    pub fn is_array(&self) -> bool {
        self.max != Some(1) && self.max != Some(0)
    }
}

/// A resource type, a datatype or a BackboneElement: its child elements.
#[derive(Debug, Clone, Default)]
pub struct Node {
    /// `Patient`, `HumanName`, or `BackboneElement`/`Element` for inline nodes.
    pub type_name: String,
    /// Path of the node (`Patient.contact`), for messages.
    pub path: String,
    pub elements: Vec<ElementDef>,
    /// JSON key → (element index, type index).
    pub by_key: HashMap<String, (u16, u16)>,
    /// Element name (no `[x]`) → element index.
    pub by_name: HashMap<String, u16>,
}

impl Node {
    pub fn element(&self, name: &str) -> Option<&ElementDef> {
        self.by_name
            .get(name)
            .map(|&i| &self.elements[usize::from(i)])
    }

    /// The element and the type a JSON key stands for.
    pub fn by_key(&self, key: &str) -> Option<(&ElementDef, &ElemType)> {
        let &(e, t) = self.by_key.get(key)?;
        let el = &self.elements[usize::from(e)];
        Some((el, &el.types[usize::from(t)]))
    }
}

//! What both browser front ends (the citizen portal and the clinician workspace)
//! share: the server-side session store, cookies, security headers and CSRF checks,
//! the locale catalogue with Norwegian formats, and the page-shell helpers.
//!
//! Why a crate of its own: the two front ends must follow the same rules (no
//! script, no framing, no caching, opaque handles, Origin and CSRF checks on every
//! post); one copy of each rule means a fix reaches both. Nothing here knows about
//! citizens, clinicians or either front end's state: each keeps its own session
//! payload, locales and page header and builds on these pieces.
pub mod chart;
pub mod cookies;
pub mod format;
pub mod i18n;
pub mod oidc;
pub mod page;
pub mod security;
pub mod session;

pub use cookies::{cookie_value, set_cookie, with_cookie, CsrfForm};
pub use i18n::Catalog;
pub use security::{csrf_ok, same_origin, CSP};
pub use session::{random_token, Handles, Sessions};

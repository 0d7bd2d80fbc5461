//! Small line charts as inline SVG: moved to `nordlys_web::chart` so the workspace
//! draws home measurements with the same code.
pub use nordlys_web::chart::{line_chart, Point};

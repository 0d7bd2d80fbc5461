//! `nordlys audit verify`: walks the access log's hash chain and says whether it is
//! intact.
//!
//! Why an operator command: the chain (access-policy.md § 11, "tamper-evident") only
//! protects if someone checks it — after a restore, before an audit, on a schedule. The
//! answer is one line an operator or a cron job can read: "access log intact: N events"
//! with exit 0, or "access log BROKEN at event SEQ: reason" (stderr) with exit 1, so
//! the first edited, removed or reordered event is named. It reads through
//! [`nordlys_store::FhirStore::unchecked_verify_audit`]: the store's own check, not a
//! second implementation.
use anyhow::{bail, Context};
use clap::{Args, Subcommand};

use crate::db;

#[derive(Args, Debug, Clone)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Subcommand, Debug, Clone)]
pub enum AuditCommand {
    /// Check that no access-log event was edited, removed or reordered (exit 1 if one was).
    Verify(db::DbArgs),
}

pub async fn run(args: AuditArgs) -> anyhow::Result<()> {
    match args.command {
        AuditCommand::Verify(db_args) => verify(&db_args.database).await,
    }
}

async fn verify(url: &str) -> anyhow::Result<()> {
    // Checking must not create: a mistyped path would otherwise report "intact: 0 events".
    if let Some(path) = url.strip_prefix("sqlite://").filter(|p| *p != ":memory:") {
        if !std::path::Path::new(path).is_file() {
            bail!("there is no database at {path}");
        }
    }
    let store = db::open_store(url).await?;
    let report = store
        .unchecked_verify_audit()
        .await
        .with_context(|| format!("cannot read the access log of {}", db::redact(url)))?;
    if let Some((seq, reason)) = report.broken {
        bail!("{}", broken_line(seq, &reason));
    }
    println!("access log intact: {} events", report.events);
    Ok(())
}

/// The one line that names the first broken link.
fn broken_line(seq: i64, reason: &str) -> String {
    format!("access log BROKEN at event {seq}: {reason}")
}

#[cfg(test)]
mod tests {
    use super::broken_line;

    #[test]
    fn the_broken_line_names_the_sequence_number() {
        assert_eq!(
            broken_line(7, "AuditEvent/x does not match its hash"),
            "access log BROKEN at event 7: AuditEvent/x does not match its hash"
        );
    }
}

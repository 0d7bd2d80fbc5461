//! The options that turn on notification delivery in `nordlys serve` and `nordlys
//! demo`, and the glue that starts the deliverer (crates/notify) beside the server.
//!
//! Why off unless configured: a server without a mail server or SMS gateway still
//! queues notifications (the outbox), and delivers them once started with these
//! options; nothing is lost by starting without them, so a log line says so.
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use nordlys_notify::{Deliverer, DeliveryConfig, SmsGateway, SmtpChannel};
use nordlys_store::FhirStore;

#[derive(Args, Debug, Clone, Default)]
pub struct DeliveryArgs {
    /// SMTP server for notification e-mail: smtp://host:25 (plain, e.g. a local relay),
    /// smtp://user:pass@host:587?tls=required (STARTTLS) or smtps://host:465.
    #[arg(long, env = "NORDLYS_SMTP", value_name = "URL")]
    pub smtp: Option<String>,
    /// Sender of notification e-mail, e.g. "Nordlys helse <varsel@helse.example.no>".
    #[arg(long, env = "NORDLYS_MAIL_FROM", value_name = "ADDRESS")]
    pub mail_from: Option<String>,
    /// SMS gateway: notifications are POSTed as JSON {"to", "text"} with a bearer key.
    #[arg(long, env = "NORDLYS_SMS_GATEWAY", value_name = "URL")]
    pub sms_gateway: Option<String>,
    /// The SMS gateway's bearer key (prefer the environment variable).
    #[arg(
        long,
        env = "NORDLYS_SMS_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    pub sms_key: Option<String>,
    /// The portal's address given in notifications. Default: --public-base.
    #[arg(long, env = "NORDLYS_PORTAL_URL", value_name = "URL")]
    pub portal_url: Option<String>,
    /// Seconds between delivery rounds.
    #[arg(
        long,
        env = "NORDLYS_NOTIFY_INTERVAL",
        default_value_t = 10,
        value_name = "SECONDS"
    )]
    pub notify_interval: u64,
    /// Days a letter may stay unread before the person told of it is reminded once
    /// (0 = no reminders). Default 7. Applies to letters queued from now on.
    #[arg(long, env = "NORDLYS_LETTER_REMINDER_DAYS", value_name = "DAYS")]
    pub letter_reminder_days: Option<u32>,
}

/// The store with the letter reminder delay of the options (docs/letters.md).
pub fn with_reminders(store: FhirStore, args: &DeliveryArgs) -> FhirStore {
    match args.letter_reminder_days {
        Some(days) => store.with_letter_reminder_days(days),
        None => store,
    }
}

/// Starts the deliverer if a channel is configured; `None` (and a log line) if not.
/// `default_portal` is the portal's address when --portal-url is not given.
pub fn spawn(
    store: &FhirStore,
    args: &DeliveryArgs,
    default_portal: Option<&str>,
) -> anyhow::Result<Option<tokio::task::JoinHandle<()>>> {
    if args.smtp.is_none() && args.sms_gateway.is_none() {
        tracing::info!(
            "notification delivery is off (no --smtp or --sms-gateway): notifications stay queued"
        );
        return Ok(None);
    }
    let portal = args
        .portal_url
        .as_deref()
        .or(default_portal)
        .context("notification delivery needs the portal's address: give --portal-url")?;
    let mut config = DeliveryConfig::new(portal);
    config.interval = Duration::from_secs(args.notify_interval.max(1));
    let mut deliverer = Deliverer::new(store.clone(), config);
    if let Some(url) = &args.smtp {
        let from = args
            .mail_from
            .as_deref()
            .context("--smtp needs --mail-from (the sender address)")?;
        let smtp = SmtpChannel::new(url, from).context("cannot set up notification e-mail")?;
        deliverer = deliverer.with_channel(std::sync::Arc::new(smtp));
    }
    if let Some(url) = &args.sms_gateway {
        let key = args
            .sms_key
            .as_deref()
            .context("--sms-gateway needs --sms-key (or NORDLYS_SMS_KEY)")?;
        let sms = SmsGateway::new(url, key).context("cannot set up the SMS gateway")?;
        deliverer = deliverer.with_channel(std::sync::Arc::new(sms));
    }
    tracing::info!(
        email = args.smtp.is_some(),
        sms = args.sms_gateway.is_some(),
        portal,
        "notification delivery is on"
    );
    Ok(Some(deliverer.spawn()))
}

//! The websocket listeners: which open sockets are bound to which subscription.
//!
//! Why a hub in memory: a websocket is a live connection to this process; what must
//! survive a restart is the queued event (in the store), not the socket. An event of
//! a websocket subscription with nobody listening stays queued, and the delivery
//! loop is woken when a listener binds, so a client that reconnects is pinged about
//! what it missed.
use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::{mpsc, Notify};

use super::Attempt;

/// Listeners per subscription id.
#[derive(Default)]
pub struct Hub {
    listeners: Mutex<HashMap<String, Vec<mpsc::UnboundedSender<String>>>>,
    bound: Notify,
}

impl Hub {
    /// Registers a socket's sender as a listener of `id`: it gets `ping {id}` per
    /// event until the socket closes (its receiver is dropped).
    pub fn bind(&self, id: &str, tx: mpsc::UnboundedSender<String>) {
        if let Ok(mut map) = self.listeners.lock() {
            map.entry(id.to_string()).or_default().push(tx);
        }
        self.bound.notify_one();
    }

    /// Resolves when a listener binds.
    pub async fn bound(&self) {
        self.bound.notified().await;
    }

    /// Sends `ping {id}` to every live listener of `id`.
    pub(crate) fn ping(&self, id: &str) -> Attempt {
        let Ok(mut map) = self.listeners.lock() else {
            return Attempt::NoListener;
        };
        let Some(list) = map.get_mut(id) else {
            return Attempt::NoListener;
        };
        list.retain(|tx| tx.send(format!("ping {id}")).is_ok());
        if list.is_empty() {
            map.remove(id);
            Attempt::NoListener
        } else {
            Attempt::Delivered
        }
    }
}

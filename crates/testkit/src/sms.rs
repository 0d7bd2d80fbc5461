//! A fake SMS gateway: axum on 127.0.0.1:0 taking `POST /sms` with JSON `{to, text}`
//! and a bearer key, as `nordlys_notify::SmsGateway` sends; it can be told to fail the
//! next requests (503) to test retries.
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::Value;

/// One SMS the gateway accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedSms {
    pub to: String,
    pub text: String,
}

#[derive(Default)]
struct Gateway {
    key: String,
    accepted: Mutex<Vec<ReceivedSms>>,
    fail_next: AtomicUsize,
    requests: AtomicUsize,
}

/// A running gateway; stops when dropped.
pub struct FakeSmsGateway {
    addr: SocketAddr,
    state: Arc<Gateway>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeSmsGateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn receive(
    State(gw): State<Arc<Gateway>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> StatusCode {
    gw.requests.fetch_add(1, Ordering::SeqCst);
    let bearer = format!("Bearer {}", gw.key);
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(bearer.as_str()) {
        return StatusCode::UNAUTHORIZED;
    }
    let failing = gw
        .fail_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
    if failing.is_ok() {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    let (Some(to), Some(text)) = (body["to"].as_str(), body["text"].as_str()) else {
        return StatusCode::BAD_REQUEST;
    };
    gw.accepted
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(ReceivedSms {
            to: to.to_string(),
            text: text.to_string(),
        });
    StatusCode::ACCEPTED
}

impl FakeSmsGateway {
    /// Starts a gateway accepting bearer key `key`.
    pub async fn start(key: &str) -> FakeSmsGateway {
        let state = Arc::new(Gateway {
            key: key.to_string(),
            ..Gateway::default()
        });
        let app = Router::new()
            .route("/sms", post(receive))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("SMS gateway bind: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("SMS gateway address: {e}"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeSmsGateway { addr, state, task }
    }

    /// `http://127.0.0.1:PORT/sms`.
    pub fn url(&self) -> String {
        format!("http://{}/sms", self.addr)
    }

    /// Answers the next `n` requests with 503.
    pub fn fail_next(&self, n: usize) {
        self.state.fail_next.store(n, Ordering::SeqCst);
    }

    /// Requests received (accepted, failed or refused).
    pub fn requests(&self) -> usize {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// The messages accepted so far, in order.
    pub fn accepted(&self) -> Vec<ReceivedSms> {
        self.state
            .accepted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

//! A rest-hook receiver for subscription tests: axum on 127.0.0.1:0 recording every
//! request (method, path, chosen headers, body); it can be told to fail the next
//! requests (500) to test retries, backoff and the subscription's error status, or
//! to answer every request with a redirect (302) to test that none is followed.
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::Router;

/// One request the receiver got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// `X-Nordlys-Event` (the item of an empty notification).
    pub event: Option<String>,
    pub subscription: Option<String>,
    pub authorization: Option<String>,
    pub body: String,
    /// Whether the receiver answered 2xx.
    pub accepted: bool,
}

#[derive(Default)]
struct Inner {
    received: Mutex<Vec<Received>>,
    fail_next: AtomicUsize,
    redirect: AtomicBool,
}

/// A running receiver; stops when dropped.
pub struct HookReceiver {
    addr: SocketAddr,
    inner: Arc<Inner>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for HookReceiver {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn header(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

async fn receive(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let redirect = inner.redirect.load(Ordering::SeqCst);
    let failing = redirect
        || inner
            .fail_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
    inner
        .received
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Received {
            method: method.to_string(),
            path: uri.path().to_string(),
            event: header(&headers, "x-nordlys-event"),
            subscription: header(&headers, "x-nordlys-subscription"),
            authorization: header(&headers, "authorization"),
            body: String::from_utf8_lossy(&body).into_owned(),
            accepted: !failing,
        });
    if redirect {
        (
            StatusCode::FOUND,
            [(axum::http::header::LOCATION, "/redirected")],
        )
            .into_response()
    } else if failing {
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    } else {
        StatusCode::OK.into_response()
    }
}

impl HookReceiver {
    pub async fn start() -> HookReceiver {
        let inner = Arc::new(Inner::default());
        let app = Router::new().fallback(receive).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("hook receiver bind: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("hook receiver address: {e}"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        HookReceiver { addr, inner, task }
    }

    /// `http://127.0.0.1:PORT/hook`.
    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// Answers the next `n` requests with 500.
    pub fn fail_next(&self, n: usize) {
        self.inner.fail_next.store(n, Ordering::SeqCst);
    }

    /// Answers every request from now on with 302 to `/redirected` on itself.
    pub fn redirect_all(&self) {
        self.inner.redirect.store(true, Ordering::SeqCst);
    }

    /// Every request so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.inner
            .received
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The accepted requests so far, in order.
    pub fn accepted(&self) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.accepted).collect()
    }

    /// Waits (up to `limit`) until `done` holds for the requests so far; returns them.
    pub async fn wait_for(
        &self,
        limit: Duration,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let start = std::time::Instant::now();
        loop {
            let got = self.received();
            if done(&got) || start.elapsed() > limit {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

//! `GET /fhir/$subscription-websocket`: the R4 websocket channel. The client connects
//! with its bearer token, sends `bind {id}` for each of its websocket subscriptions,
//! gets `bound {id}`, and then `ping {id}` for each event (it then fetches what
//! changed with its ordinary searches).
//!
//! Why the bind is checked against the store as the caller: the subscription is read
//! through the gate (another organisation's subscription is "not-found") and only the
//! client that owns it may listen ("forbidden"), so a token of another client hears
//! nothing. A refused bind answers `error {id} {reason}` and leaves the socket open.
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use nordlys_store::{RequestContext, StoreError};
use tokio::sync::mpsc;

use crate::auth::Caller;
use crate::AppState;

pub async fn websocket(
    State(state): State<AppState>,
    Caller(ctx): Caller,
    upgrade: WebSocketUpgrade,
) -> Response {
    upgrade.on_upgrade(move |socket| listen(state, ctx, socket))
}

fn reason(e: &StoreError) -> &'static str {
    match e {
        StoreError::NotFound { .. } | StoreError::Gone { .. } => "not-found",
        StoreError::Forbidden(_) => "forbidden",
        StoreError::BadRequest(_) => "not-websocket",
        _ => "unavailable",
    }
}

async fn listen(state: AppState, ctx: RequestContext, mut socket: WebSocket) {
    let (tx, mut pings) = mpsc::unbounded_channel::<String>();
    loop {
        tokio::select! {
            msg = socket.recv() => {
                let text = match msg {
                    Some(Ok(Message::Text(t))) => t.to_string(),
                    Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                    Some(Ok(_)) => continue,
                };
                let Some(id) = text.trim().strip_prefix("bind ").map(str::trim) else {
                    if socket.send(Message::Text("error unknown-command".into())).await.is_err() {
                        break;
                    }
                    continue;
                };
                let answer = match state.store.subscription_for_socket(&ctx, id).await {
                    Ok(info) => {
                        state.subscriptions.bind(&info.id, tx.clone());
                        format!("bound {}", info.id)
                    }
                    Err(e) => format!("error {id} {}", reason(&e)),
                };
                if socket.send(Message::Text(answer.into())).await.is_err() {
                    break;
                }
            }
            Some(ping) = pings.recv() => {
                if socket.send(Message::Text(ping.into())).await.is_err() {
                    break;
                }
            }
        }
    }
}

//! The route table.
//!
//! Why static segments beside parameters (`/fhir/metadata` next to `/fhir/{type}`):
//! the router prefers static segments, so `_history`, `_search` and `$everything`
//! never reach the `{id}` handlers. Anything unmatched, or with a wrong method,
//! still gets an OperationOutcome through the one error function.
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use axum::Router;

use crate::auth::dev;
use crate::error::ApiError;
use crate::fhir::{
    batch, booking, capabilities, careplan, create, delete, dialog, everything, explain, forms,
    guidance, history, read, search, update, vread,
};
use crate::{health, observe, AppState};

/// The whole HTTP surface of the API.
pub fn router(state: AppState) -> Router {
    let fhir = Router::new()
        .route("/fhir", post(batch::batch))
        .route("/fhir/", post(batch::batch))
        .route("/fhir/metadata", get(capabilities::metadata))
        .route("/fhir/_history", get(history::system))
        .route(
            "/fhir/$subscription-websocket",
            get(crate::subscriptions::socket::websocket),
        )
        .route("/fhir/{type}", get(search::search_get).post(create::create))
        .route(
            "/fhir/{type}/_search",
            post(search::search_post).get(search::search_get),
        )
        .route("/fhir/{type}/_history", get(history::type_level))
        .route(
            "/fhir/{type}/{id}",
            get(read::read).put(update::update).delete(delete::delete),
        )
        .route("/fhir/{type}/{id}/_history", get(history::instance))
        .route("/fhir/{type}/{id}/_history/{vid}", get(vread::vread))
        .route(
            "/fhir/Patient/{id}/$everything",
            get(everything::everything),
        )
        .route("/fhir/Patient/{id}/$explain", get(explain::explain))
        .route("/fhir/Appointment/$book", post(booking::book))
        .route("/fhir/CarePlan/{id}/$handover", post(careplan::handover))
        .route("/fhir/Task/{id}/$accept-handover", post(careplan::accept))
        .route("/fhir/Task/{id}/$reject-handover", post(careplan::reject))
        .route("/fhir/Appointment/{id}/$guidance", get(guidance::guidance))
        .route(
            "/fhir/Appointment/{id}/$reschedule",
            post(booking::reschedule),
        )
        .route("/fhir/Task/$start-dialog", post(dialog::start))
        .route("/fhir/Task/{id}/$mark-read", post(dialog::mark_read))
        .route("/fhir/Appointment/{id}/$cancel", post(booking::cancel))
        .route("/fhir/QuestionnaireResponse/$submit", post(forms::submit))
        .route("/fhir/QuestionnaireResponse/$draft", post(forms::draft));
    let mut app = fhir
        .route("/health", get(health::health))
        .route("/metrics", get(health::metrics));
    if state.config.dev_auth {
        app = app.route("/dev/token", post(dev::token_handler));
    }
    app.fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(state.config.max_body))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            observe::observe,
        ))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such address on this server".into())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

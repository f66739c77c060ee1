//! The customer's tracking page, `/t/{token}`: server-rendered HTML from
//! `templates/page/`, complete without JavaScript, in the tracking's language (else
//! the browser's, else English). The token is the tracking's id (128 random bits,
//! stable for its life). It never shows the customer's email or name.

use crate::core::view::TrackingView;
use crate::notify::context::{CarrierView, PageContext, ShopView};
use crate::state::AppState;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(tracking_page))
}

/// The first language the browser asks for, if any.
fn accept_language(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::ACCEPT_LANGUAGE)?
        .to_str()
        .ok()?
        .split(',')
        .next()
        .map(|l| l.split(';').next().unwrap_or("").trim().to_string())
        .filter(|l| !l.is_empty() && l != "*")
}

/// What a page of ours may load: its own inline style and images (the shop's
/// logo), nothing else; no script, no form, and no other site may frame it. The
/// console's pages are served with the same policy.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; img-src https: http: data:; \
     style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn html(status: StatusCode, body: String, cache: &'static str) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    // The token is in the URL: never send it on to the carrier's site.
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    // For browsers that predate frame-ancestors.
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    r
}

fn not_found(state: &AppState, lang: &str) -> Response {
    let body = state
        .templates
        .page("not_found.html", lang, &json!({"lang": lang}))
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "the tracking page's 404 template failed");
            "<!doctype html><title>Not found</title><h1>Not found</h1>".into()
        });
    html(StatusCode::NOT_FOUND, body, "no-store")
}

#[utoipa::path(get, path = "/t/{token}", tag = "customers",
    summary = "The customer's tracking page (HTML)",
    params(("token" = String, Path, description = "The tracking's page token")),
    responses(
        (status = 200, description = "The page", content_type = "text/html", body = String),
        (status = 404, description = "A friendly page: no parcel has this token", content_type = "text/html", body = String),
    ))]
async fn tracking_page(
    State(state): State<AppState>,
    token: Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Response {
    let browser = accept_language(&headers);
    let lang = |l: Option<&str>| state.templates.language("page", l);
    let Ok(Path(token)) = token else {
        return not_found(&state, &lang(browser.as_deref()));
    };
    let found = match state.store.tracking_by_id(token.trim()).await {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(error = %e, "tracking page: store failed");
            return html(
                StatusCode::SERVICE_UNAVAILABLE,
                "<!doctype html><title>Try again</title><h1>Please try again in a moment.</h1>"
                    .into(),
                "no-store",
            );
        }
    };
    let Some((t, p)) = found else {
        return not_found(&state, &lang(browser.as_deref()));
    };
    let lang = lang(t.fields.lang.as_deref().or(browser.as_deref()));
    let account = state.store.account(t.account).await.ok().flatten();
    let shop = ShopView::new(
        account.as_ref().and_then(|a| a.name.as_deref()),
        account.as_ref().and_then(|a| a.logo_url.as_deref()),
        account.as_ref().and_then(|a| a.timezone.as_deref()),
    );
    let view = TrackingView::new(&t, &p, &state.carriers, state.clock.now());
    let carrier = CarrierView::of(&state.carriers, &t.carrier_code);
    let ctx = PageContext::new(&view, &p, &carrier, &shop, &lang);
    match state.templates.tracking_page(&lang, &ctx) {
        Ok(body) => html(StatusCode::OK, body, "private, max-age=60"),
        Err(e) => {
            tracing::error!(error = %e, "the tracking page template failed");
            html(
                StatusCode::INTERNAL_SERVER_ERROR,
                "<!doctype html><title>Error</title><h1>This page cannot be shown right now.</h1>"
                    .into(),
                "no-store",
            )
        }
    }
}

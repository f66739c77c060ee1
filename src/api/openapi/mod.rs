//! `GET /openapi.json`: the OpenAPI 3.1 document of every route, generated from the
//! handlers' own `#[utoipa::path]` annotations. Each module's router registers its
//! handlers through `utoipa_axum::routes!`, which takes the path and method from
//! the same annotation, so the document cannot list a route the server lacks, nor
//! miss one it has.

pub mod operators;
pub mod schemas;
pub mod v4;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use utoipa::openapi::path::Operation;
use utoipa::openapi::schema::{OneOfBuilder, Schema};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};
use utoipa::OpenApi as _;

/// The fixed part: title, description, tags and the shared schemas.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "trackgate",
        description = "Shipment-tracking notification gateway. `/v2` is wire-compatible with the TrackingMore v2 API: every answer comes in the `{meta, data}` envelope, and TrackingMore's 4xxx codes come with HTTP 200. `/v4` is wire-compatible with the TrackingMore v4 API over the same accounts and trackings: `{meta: {code, message}, data}`, its 41xx codes with HTTP 400."
    ),
    components(schemas(schemas::ErrorEnvelope, v4::V4ErrorEnvelope)),
    tags(
        (name = "trackings", description = "Register, read, change and delete trackings"),
        (name = "v4", description = "The TrackingMore v4 API: trackings by id, couriers, air waybills"),
        (name = "lookups", description = "Carriers, detection, remote areas, delivery times, air cargo"),
        (name = "notifications", description = "The outbox and where notifications go"),
        (name = "webhooks", description = "An account's webhook endpoints: filters, formats, secrets and health"),
        (name = "receivers", description = "Signed status pushes from tracking providers"),
        (name = "connectors", description = "Shop platforms' order webhooks (Shopify, WooCommerce): trackings registered without code"),
        (name = "customers", description = "The customer's tracking page"),
        (name = "operators", description = "Health, readiness and metrics"),
    )
)]
struct Base;

/// Header names the API key may come in; TrackingMore clients send the first.
const KEY_HEADERS: [(&str, &str); 2] = [
    ("api_key", "Trackingmore-Api-Key"),
    ("api_key_alt", "Tracking-Api-Key"),
];

/// Statuses every `/v2` route may answer with besides 200, each in the envelope.
const V2_ERRORS: [(&str, &str); 4] = [
    ("401", "The API key is missing or unknown (meta.code 401)"),
    ("413", "The body is larger than limits.max_body_bytes"),
    ("429", "Too many requests for this key"),
    (
        "503",
        "The store or the carrier's status provider is unavailable",
    ),
];

/// The whole document: `routes` (from the routers) on top of the fixed part.
pub fn document(routes: OpenApi) -> OpenApi {
    let mut doc = Base::openapi();
    doc.merge(routes);
    doc.paths.paths.insert(
        "/openapi.json".into(),
        utoipa::openapi::PathItem::new(
            utoipa::openapi::HttpMethod::Get,
            utoipa::openapi::path::OperationBuilder::new()
                .tag("operators")
                .summary(Some("This document"))
                .response(
                    "200",
                    ResponseBuilder::new()
                        .description("OpenAPI 3.1")
                        .content("application/json", ContentBuilder::new().build()),
                ),
        ),
    );
    let components = doc.components.get_or_insert_with(Default::default);
    for (name, header) in KEY_HEADERS {
        components.add_security_scheme(
            name,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new(header))),
        );
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        let v2 = path.starts_with("/v2/");
        if !v2 && !path.starts_with("/v4/") {
            continue;
        }
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
        ];
        for op in ops.into_iter().flatten() {
            if v2 {
                envelope(op);
            } else {
                v4_envelope(op);
            }
        }
    }
    doc
}

/// Statuses every `/v4` route may answer with besides 200, each in v4's envelope.
const V4_ERRORS: [(&str, &str); 7] = [
    (
        "400",
        "Refused: a 41xx meta.code names why (the message names the field)",
    ),
    ("401", "The API key is missing or unknown"),
    ("404", "No tracking has this id, or no such route"),
    ("413", "The body is larger than limits.max_body_bytes"),
    ("429", "Too many requests for this account and API"),
    ("500", "Our fault (meta.code 511)"),
    ("503", "The store is unavailable"),
];

/// A `/v4` operation: the API key, and the errors in v4's envelope.
fn v4_envelope(op: &mut Operation) {
    set_security(op);
    add_errors(op, &V4_ERRORS, "V4ErrorEnvelope");
}

fn set_security(op: &mut Operation) {
    op.security = Some(
        KEY_HEADERS
            .iter()
            .map(|(name, _)| SecurityRequirement::new(*name, Vec::<String>::new()))
            .collect(),
    );
}

/// Adds each of `errors` to `op` with the `schema` body.
fn add_errors(op: &mut Operation, errors: &[(&str, &str)], schema: &str) {
    for (status, why) in errors {
        op.responses
            .responses
            .entry((*status).into())
            .or_insert_with(|| {
                RefOr::T(
                    ResponseBuilder::new()
                        .description(*why)
                        .content(
                            "application/json",
                            ContentBuilder::new()
                                .schema(Some(RefOr::Ref(Ref::from_schema_name(schema))))
                                .build(),
                        )
                        .build(),
                )
            });
    }
}

/// A `/v2` operation as TrackingMore clients see it: the API key, a 200 that is
/// either the success envelope or a 4xxx error, and the plain-HTTP errors.
fn envelope(op: &mut Operation) {
    set_security(op);
    let error = || RefOr::Ref(Ref::from_schema_name("ErrorEnvelope"));
    if let Some(RefOr::T(ok)) = op.responses.responses.get_mut("200") {
        for content in ok.content.values_mut() {
            if let Some(success) = content.schema.take() {
                let either = OneOfBuilder::new().item(success).item(error()).build();
                content.schema = Some(RefOr::T(Schema::OneOf(either)));
            }
        }
    }
    add_errors(op, &V2_ERRORS, "ErrorEnvelope");
}

/// Serves `doc`, serialised once.
pub fn route<S: Clone + Send + Sync + 'static>(doc: &OpenApi) -> Router<S> {
    let body = doc.to_json().expect("the OpenAPI document serialises");
    Router::new().route(
        "/openapi.json",
        get(move || {
            let body = body.clone();
            async move { ([(header::CONTENT_TYPE, "application/json")], body).into_response() }
        }),
    )
}

//! `/api/openapi.json` against the router: every route is documented with its methods, and
//! every documented path and method is routed, so the two cannot drift apart.
//!
//! Axum cannot list a router's routes, so the routes are read from the source of `routes`
//! (every `.route("PATH", METHODS)` and `nest_service`); that they are really served is then
//! checked by sending a request to each documented one.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use axum::http::{Method, StatusCode};
use caucus_model::ErrorBody;
use common::TestServer;

const SOURCES: [&str; 2] = [
    include_str!("../src/routes/mod.rs"),
    include_str!("../src/routes/admin.rs"),
];
const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// What the router serves: path → methods, as written in the source.
fn routed() -> BTreeMap<String, BTreeSet<String>> {
    let mut routes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for source in SOURCES {
        for (at, _) in source.match_indices(".route(") {
            // The call runs to its matching parenthesis.
            let rest = &source[at + ".route(".len()..];
            let mut depth = 1;
            let end = rest
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map(|(i, _)| i)
                .expect("a closed .route( call");
            let call = &rest[..end];
            let path = call.split('"').nth(1).expect("a path literal");
            let handlers = &call[call.find(',').expect("methods") + 1..];
            if handlers.trim_start().starts_with("any(") {
                // The JSON 404s of unknown /api paths.
                continue;
            }
            let methods: BTreeSet<String> = METHODS
                .iter()
                .filter(|m| {
                    handlers.trim_start().starts_with(&format!("{m}("))
                        || handlers.contains(&format!(".{m}("))
                })
                .map(|m| m.to_string())
                .collect();
            assert!(!methods.is_empty(), "no method found in .route({call})");
            routes.entry(path.to_owned()).or_default().extend(methods);
        }
        for (at, _) in source.match_indices(".nest_service(") {
            let path = source[at..].split('"').nth(1).expect("a path literal");
            routes
                .entry(format!("{path}/{{file}}"))
                .or_default()
                .insert("get".to_owned());
        }
    }
    routes
}

/// What the document says: path → methods.
fn documented(document: &serde_json::Value) -> BTreeMap<String, BTreeSet<String>> {
    document["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .map(|(path, item)| {
            let methods = item
                .as_object()
                .expect("a path item")
                .keys()
                .filter(|key| METHODS.contains(&key.as_str()))
                .cloned()
                .collect();
            (path.clone(), methods)
        })
        .collect()
}

/// The thread routes are one catch-all (see `routes`): the document has the three paths it
/// serves, `/api/threads/{slug}`, `.../comments`, `.../vote` and `.../events`.
fn as_routed(mut paths: BTreeMap<String, BTreeSet<String>>) -> BTreeMap<String, BTreeSet<String>> {
    let threads: Vec<String> = paths
        .keys()
        .filter(|path| path.starts_with("/api/threads/{slug}"))
        .cloned()
        .collect();
    assert_eq!(threads.len(), 4, "{threads:?}");
    let mut methods = BTreeSet::new();
    for path in threads {
        methods.extend(paths.remove(&path).unwrap_or_default());
    }
    paths.insert("/api/threads/{*rest}".to_owned(), methods);
    paths
}

async fn fetch_document(server: &TestServer) -> serde_json::Value {
    let response = server.get("/api/openapi.json").await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert!(response
        .header("content-type")
        .starts_with("application/json"));
    response.json()
}

#[tokio::test]
async fn every_route_is_documented_and_every_documented_path_is_routed() {
    let server = TestServer::new().await;
    let document = fetch_document(&server).await;
    let routed = routed();
    // The reading of the source found what it should, or this test would prove nothing.
    assert!(
        routed.contains_key("/api/admin/blocks/{kind}/{target}"),
        "{routed:?}"
    );
    assert_eq!(
        routed["/api/comments/{id}"],
        BTreeSet::from(["patch".to_owned(), "delete".to_owned()])
    );
    assert_eq!(as_routed(documented(&document)), routed);
}

#[tokio::test]
async fn every_documented_path_and_method_answers() {
    let server = TestServer::new().await;
    let document = fetch_document(&server).await;
    for (path, methods) in documented(&document) {
        let uri = path
            .replace("{slug}", "t")
            .replace("{id}", "1")
            .replace("{kind}", "voter")
            .replace("{target}", "x")
            .replace("{file}", "embed.js");
        for method in methods {
            let method: Method = method.to_uppercase().parse().unwrap();
            let response = server.send(method.clone(), &uri).await;
            let unrouted = response.status == StatusCode::METHOD_NOT_ALLOWED
                || (response.status == StatusCode::NOT_FOUND
                    && (response.body.is_empty()
                        || serde_json::from_slice::<ErrorBody>(&response.body)
                            .is_ok_and(|error| error.error == "not_found")));
            assert!(
                !unrouted,
                "{method} {uri}: {} {}",
                response.status,
                response.text()
            );
        }
    }
}

#[tokio::test]
async fn the_document_describes_the_wire_types_and_the_admin_secret() {
    let server = TestServer::new().await;
    let document = fetch_document(&server).await;
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    let schemas = &document["components"]["schemas"];
    for name in [
        "Comment",
        "ThreadResponse",
        "NewComment",
        "CreatedComment",
        "ErrorBody",
        "AdminComment",
        "Block",
    ] {
        assert!(schemas.get(name).is_some(), "no schema {name}");
    }
    // The wire's fields, straight from the model.
    let comment = &schemas["Comment"]["properties"];
    for field in ["id", "body_html", "viewer_voted", "deleted", "held"] {
        assert!(comment.get(field).is_some(), "Comment lacks {field}");
    }
    assert_eq!(
        document["components"]["securitySchemes"]["admin_secret"]["scheme"],
        "bearer"
    );
    let approve = &document["paths"]["/api/admin/comments/{id}/approve"]["post"];
    assert!(
        approve["security"][0].get("admin_secret").is_some(),
        "{approve}"
    );
}

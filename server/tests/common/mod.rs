//! What the integration tests share: a fresh server per test (its own SQLite file and assets
//! directory in a temporary directory) and a way to send it one request, without a socket.

#![allow(dead_code)] // each test binary uses a different part of it

use std::path::Path;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use caucus_server::{app, open_db, AppState};
use http_body_util::BodyExt;
use tempfile::TempDir;
use tower::ServiceExt;

pub struct TestServer {
    pub state: AppState,
    // Holds the database and assets until the test ends.
    _dir: TempDir,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl TestResponse {
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }

    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|err| panic!("{err}: not JSON: {}", self.text()))
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
            .to_str()
            .unwrap()
    }
}

impl TestServer {
    pub async fn new() -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let pool = open_db(&dir.path().join("caucus.db")).await.unwrap();
        let assets = dir.path().join("dist");
        write_assets(&assets);
        TestServer {
            state: AppState {
                pool,
                assets,
                demo: false,
            },
            _dir: dir,
        }
    }

    pub async fn demo() -> TestServer {
        let mut server = TestServer::new().await;
        server.state.demo = true;
        assert!(caucus_server::demo::seed(&server.state.pool).await.unwrap());
        server
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.request(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    pub async fn send(&self, method: Method, uri: &str) -> TestResponse {
        self.request(
            Request::builder()
                .method(method)
                .uri(uri)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    pub async fn request(&self, request: Request<Body>) -> TestResponse {
        let response = app(self.state.clone()).oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        TestResponse {
            status,
            headers,
            body: body.to_vec(),
        }
    }
}

/// A stand-in for the built widget.
fn write_assets(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("embed.js"), "import('./caucus.js');\n").unwrap();
    std::fs::write(dir.join("caucus.js"), "export default 1;\n").unwrap();
    std::fs::write(dir.join("caucus_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(dir.join("caucus.css"), "p { color: red }\n").unwrap();
}

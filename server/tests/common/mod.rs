//! What the integration tests share: a fresh server per test (its own database and assets
//! directory in a temporary directory) and a way to send it one request, without a socket.
//!
//! The database is a SQLite file in the temporary directory, or, with `CAUCUS_TEST_POSTGRES`
//! set to the URL of a PostgreSQL database (as `scripts/postgres.sh start` prints it, a cluster
//! on its Unix socket: `postgres://postgres@localhost:5432/postgres?host=/tmp/caucus-pg`), a
//! fresh database created from there for each test and dropped at its end.

#![allow(dead_code)] // each test binary uses a different part of it

pub mod process;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{request, HeaderMap, Method, Request, StatusCode};
use caucus_model::{CreatedComment, ErrorBody, NewVoter};
use caucus_server::abuse::AbuseLimits;
use caucus_server::{app, open_db, AppState};
use http_body_util::BodyExt;
use tempfile::TempDir;
use tower::ServiceExt;

pub struct TestServer {
    pub state: AppState,
    /// The database, as `--db` takes it.
    pub db: TestDatabase,
    // Holds the assets (and a SQLite database) until the test ends.
    _dir: TempDir,
}

/// The PostgreSQL database the tests create theirs from, if `CAUCUS_TEST_POSTGRES` names one.
pub fn postgres() -> Option<String> {
    std::env::var("CAUCUS_TEST_POSTGRES")
        .ok()
        .filter(|url| !url.is_empty())
}

/// Whether to skip a test that only makes sense on SQLite (it says why, once, on stderr).
pub fn skip_on_postgres(reason: &str) -> bool {
    if postgres().is_some() {
        eprintln!("skipped on PostgreSQL: {reason}");
        return true;
    }
    false
}

/// One test's database: a SQLite file in `dir`, or a fresh PostgreSQL database, dropped when
/// this is.
pub struct TestDatabase {
    /// What `open_db` and `--db` take.
    pub url: String,
    /// The PostgreSQL database to drop at the end, and where to connect to drop it.
    created: Option<(String, String)>,
}

impl TestDatabase {
    pub async fn new(dir: &Path) -> TestDatabase {
        let Some(admin) = postgres() else {
            return TestDatabase {
                url: dir.join("caucus.db").to_str().unwrap().to_owned(),
                created: None,
            };
        };
        static CREATED: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!(
            "caucus_test_{}_{}_{nanos}",
            std::process::id(),
            CREATED.fetch_add(1, Ordering::Relaxed)
        );
        use sqlx::{Connection, Executor};
        let mut conn = sqlx::PgConnection::connect(&admin)
            .await
            .unwrap_or_else(|err| panic!("CAUCUS_TEST_POSTGRES={admin}: {err}"));
        conn.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap();
        let _ = conn.close().await;
        // The same server and user, the new database: the URL's path is the database name.
        let (base, query) = match admin.split_once('?') {
            Some((base, query)) => (base, format!("?{query}")),
            None => (admin.as_str(), String::new()),
        };
        let (server, _) = base
            .rsplit_once('/')
            .expect("CAUCUS_TEST_POSTGRES ends with /DBNAME");
        TestDatabase {
            url: format!("{server}/{name}{query}"),
            created: Some((admin, name)),
        }
    }

    pub async fn open(&self) -> sqlx::AnyPool {
        open_db(&self.url).await.unwrap()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((admin, name)) = self.created.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread of its own.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                use sqlx::{Connection, Executor};
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    if let Err(err) = conn.execute(sql.as_str()).await {
                        eprintln!("cannot drop the test database {name}: {err}");
                    }
                }
            });
        });
        let _ = dropped.join();
    }
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
        let db = TestDatabase::new(dir.path()).await;
        let pool = db.open().await;
        let assets = dir.path().join("dist");
        write_assets(&assets);
        TestServer {
            state: AppState::new(pool, assets).await.unwrap(),
            db,
            _dir: dir,
        }
    }

    /// A server with no abuse limits, as with `--rate-limits off`.
    pub async fn unlimited() -> TestServer {
        let mut server = TestServer::new().await;
        server.state.abuse = Arc::new(AbuseLimits::off());
        server
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

    /// A request to build: `server.call(Method::POST, uri).json(..).send().await`.
    pub fn call(&self, method: Method, uri: &str) -> Call<'_> {
        Call {
            server: self,
            builder: Request::builder().method(method).uri(uri),
            body: Body::empty(),
        }
    }

    /// A fresh voter token.
    pub async fn new_voter(&self) -> String {
        let response = self.call(Method::POST, "/api/voters").send().await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        response.json::<NewVoter>().voter
    }

    /// Posts `body` as a comment to `slug`, expecting 201.
    pub async fn post_comment(&self, slug: &str, body: serde_json::Value) -> CreatedComment {
        let response = self
            .call(Method::POST, &format!("/api/threads/{slug}/comments"))
            .json(body)
            .send()
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.text());
        response.json()
    }

    pub async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(&self.state.pool)
            .await
            .unwrap()
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

pub struct Call<'a> {
    server: &'a TestServer,
    builder: request::Builder,
    body: Body,
}

impl Call<'_> {
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.builder = self.builder.header(name, value);
        self
    }

    pub fn voter(self, token: &str) -> Self {
        self.header("x-caucus-voter", token)
    }

    pub fn edit_token(self, token: &str) -> Self {
        self.header("x-caucus-edit-token", token)
    }

    pub fn json(self, value: serde_json::Value) -> Self {
        self.raw("application/json", value.to_string())
    }

    pub fn raw(mut self, content_type: &str, body: impl Into<Body>) -> Self {
        self.builder = self.builder.header("content-type", content_type);
        self.body = body.into();
        self
    }

    /// As if the socket's peer were `ip`, as the server's `ConnectInfo` tells the handlers.
    pub fn from(mut self, ip: &str) -> Self {
        let addr = SocketAddr::new(ip.parse().unwrap(), 40_000);
        self.builder = self.builder.extension(ConnectInfo(addr));
        self
    }

    pub async fn send(self) -> TestResponse {
        self.server
            .request(self.builder.body(self.body).unwrap())
            .await
    }
}

/// Checks that `response` is the JSON error `code` with `status`, and returns it.
pub fn assert_error(response: &TestResponse, status: StatusCode, code: &str) -> ErrorBody {
    assert_eq!(response.status, status, "{}", response.text());
    assert!(
        response
            .header("content-type")
            .starts_with("application/json"),
        "{:?}",
        response.headers
    );
    let body: ErrorBody = response.json();
    assert_eq!(body.error, code, "{}", body.message);
    assert!(!body.message.is_empty());
    body
}

/// A stand-in for the built widget.
fn write_assets(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("embed.js"), "import('./caucus.js');\n").unwrap();
    std::fs::write(dir.join("caucus.js"), "export default 1;\n").unwrap();
    std::fs::write(dir.join("caucus_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    // Stand-ins for the compressed copies scripts/build-widget.sh writes.
    std::fs::write(dir.join("caucus_bg.wasm.br"), b"brotli bytes").unwrap();
    std::fs::write(dir.join("caucus_bg.wasm.gz"), b"gzip bytes").unwrap();
    std::fs::write(dir.join("caucus.css"), "p { color: red }\n").unwrap();
}

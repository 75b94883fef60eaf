//! The one error type of the HTTP API. Every handler returns `Result<_, AppError>`, and every
//! error leaves the server as the same JSON shape, [`ErrorBody`]: a stable code the widget can
//! match on and a message a person can read as it is.

use std::time::Duration;

use axum::http::header::{ALLOW, RETRY_AFTER};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use caucus_model::ErrorBody;

#[derive(Debug)]
pub struct AppError {
    status: StatusCode,
    code: &'static str,
    message: String,
    /// The few errors that need a header say so here (`Allow`, `Retry-After`).
    header: Option<(HeaderName, HeaderValue)>,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        AppError {
            status,
            code,
            message: message.into(),
            header: None,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// The request was well-formed, but what it says cannot be accepted (a field too long, a
    /// parent that does not exist).
    pub fn unprocessable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    pub fn forbidden(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    /// Over a rate limit: `Retry-After` says when, in whole seconds (rounded up, so a client
    /// that waits exactly that long gets through), and so does the message.
    pub fn rate_limited(what: &str, wait: Duration) -> Self {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        let seconds = seconds.max(1);
        let when = match seconds {
            1 => "in a second".to_owned(),
            2..=90 => format!("in {seconds} seconds"),
            _ => format!("in about {} minutes", seconds.div_ceil(60)),
        };
        let mut error = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("Too many {what} from your network. Please try again {when}."),
        );
        error.header = Some((RETRY_AFTER, HeaderValue::from(seconds)));
        error
    }

    /// The server is at a bound it keeps for everyone's sake (render slots, open streams):
    /// 503 `server_busy`, with `Retry-After` in seconds.
    pub fn busy(message: impl Into<String>, retry_after_seconds: u64) -> Self {
        let mut error = Self::new(StatusCode::SERVICE_UNAVAILABLE, "server_busy", message);
        error.header = Some((RETRY_AFTER, HeaderValue::from(retry_after_seconds.max(1))));
        error
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            "There is nothing at this address.",
        )
    }

    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "This address does not accept this method.",
        )
    }

    /// 405 with the `Allow` header, for the routes that tell methods apart themselves.
    pub fn method_not_allowed_but(allow: &'static str) -> Self {
        let mut error = Self::method_not_allowed();
        error.header = Some((ALLOW, HeaderValue::from_static(allow)));
        error
    }

    /// Something broke on our side. The message stays generic: the details (SQL, paths) are for
    /// the log, not for whoever sent the request.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Something went wrong on the server. Please try again later.",
        )
    }
}

impl From<sqlx::Error> for AppError {
    /// A database that cannot take the request now (read-only, locked by another process
    /// beyond the busy timeout, disk full, connections exhausted) is 503 with a message
    /// that says so: the server is fine, retrying later may work. Anything else is a bug or
    /// damage: 500.
    fn from(err: sqlx::Error) -> Self {
        AppError::database(&err)
    }
}

impl AppError {
    /// [`From<sqlx::Error>`], for an error that answers several requests (a group of votes).
    pub fn database(err: &sqlx::Error) -> AppError {
        match unavailable(err) {
            Some(message) => {
                tracing::error!(error = %err, "database unavailable");
                AppError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "database_unavailable",
                    message,
                )
            }
            None => {
                tracing::error!(error = %err, "database error");
                AppError::internal()
            }
        }
    }
}

/// What to tell a client when `err` means the database cannot take the request for now.
fn unavailable(err: &sqlx::Error) -> Option<&'static str> {
    let db = match err {
        sqlx::Error::PoolTimedOut => return Some(BUSY),
        // PostgreSQL gone away, or not answering.
        sqlx::Error::Io(_) | sqlx::Error::PoolClosed => return Some(UNREACHABLE),
        sqlx::Error::Database(db) => db,
        _ => return None,
    };
    if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        return postgres_unavailable(pg.code());
    }
    let code = db.code()?.parse::<i32>().ok()?;
    // SQLite's extended result codes keep the primary code in their low byte.
    match code & 0xff {
        SQLITE_READONLY => Some(READ_ONLY),
        SQLITE_BUSY | SQLITE_LOCKED => Some(BUSY),
        SQLITE_FULL => Some(DISK_FULL),
        SQLITE_CANTOPEN | SQLITE_IOERR => Some(UNREACHABLE),
        _ => None,
    }
}

/// The same for PostgreSQL's SQLSTATE codes.
fn postgres_unavailable(code: &str) -> Option<&'static str> {
    match code {
        // read_only_sql_transaction (a standby), disk_full.
        "25006" => Some(READ_ONLY),
        "53100" => Some(DISK_FULL),
        // Deadlock or serialization failure, lock not available, too many connections, out
        // of memory.
        "40P01" | "40001" | "55P03" | "53300" | "53200" => Some(BUSY),
        // Connection exceptions, the server shutting down or not yet up.
        _ if code.starts_with("08") || code.starts_with("57P") => Some(UNREACHABLE),
        _ => None,
    }
}

const READ_ONLY: &str = "The comment server cannot save anything right now (its database is \
     read-only). Reading still works; please try again later.";
const DISK_FULL: &str = "The comment server cannot save anything right now (its disk is full). \
     Please try again later.";
const UNREACHABLE: &str =
    "The comment server cannot reach its database right now. Please try again later.";
const BUSY: &str = "The comment server's database is busy. Please try again in a moment.";
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_READONLY: i32 = 8;
const SQLITE_IOERR: i32 = 10;
const SQLITE_FULL: i32 = 13;
const SQLITE_CANTOPEN: i32 = 14;

impl From<getrandom::Error> for AppError {
    fn from(err: getrandom::Error) -> Self {
        tracing::error!(error = %err, "the system's random number generator failed");
        AppError::internal()
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.code.to_owned(),
            message: self.message,
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some((name, value)) = self.header {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

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
    fn from(err: sqlx::Error) -> Self {
        tracing::error!(error = %err, "database error");
        AppError::internal()
    }
}

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

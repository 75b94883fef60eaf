//! Which pages may write: the `--allow-origin` policy.
//!
//! Reading is public, so any page may read a thread. Writing (posting, editing, voting) is
//! for the pages the widget is embedded in, and the browser tells us which page asks: it sends
//! `Origin` with every cross-origin request and every `POST`/`PUT`/`PATCH`/`DELETE`. A write
//! whose `Origin` is not allowed is refused with `403 origin_not_allowed`. Allowed are:
//!
//! - the server's own origin (the demo page, same-origin requests): always;
//! - with `--allow-origin ORIGIN` (repeatable): exactly the origins listed;
//! - with no `--allow-origin`: any loopback page (`http://127.0.0.1:*`, `http://localhost:*`,
//!   `http://[::1]:*`, and the same over https), which is what development and the tests use.
//!
//! A write without `Origin` comes from a program, not a page (curl, the tests, a script), and
//! is allowed: `Origin` protects people's browsers from being made to write by other pages;
//! it cannot keep a program out, which is what [`crate::abuse`] is for. `Origin: null`
//! (sandboxed frames, `file:` pages) is never allowed.

/// The origins that may write. See the module documentation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedOrigins {
    /// Normalized by [`normalize`]; empty means "loopback pages".
    listed: Vec<String>,
}

impl AllowedOrigins {
    /// The default: the server's own origin and loopback pages.
    pub fn loopback() -> AllowedOrigins {
        AllowedOrigins::default()
    }

    /// The server's own origin and exactly `origins` (each as [`normalize`] returns it). With
    /// none, the same as [`AllowedOrigins::loopback`].
    pub fn listed(origins: Vec<String>) -> AllowedOrigins {
        AllowedOrigins { listed: origins }
    }

    /// Whether a write with this `Origin` header may go on; `host` is the request's `Host`,
    /// which makes the server's own origin.
    pub fn allows(&self, origin: &str, host: Option<&str>) -> bool {
        let Ok(origin) = normalize(origin) else {
            return false;
        };
        if let Some(host) = host {
            let host = host.to_ascii_lowercase();
            if origin == format!("http://{host}") || origin == format!("https://{host}") {
                return true;
            }
        }
        if self.listed.is_empty() {
            is_loopback(&origin)
        } else {
            self.listed.contains(&origin)
        }
    }
}

/// An origin as browsers send it: `scheme://host[:port]`, lowercase, without the default port
/// of its scheme. Also what `--allow-origin` accepts (a trailing `/` is forgiven). `Err` says
/// what is wrong, for the command line.
pub fn normalize(origin: &str) -> Result<String, String> {
    let lower = origin.trim().to_ascii_lowercase();
    let lower = lower.strip_suffix('/').unwrap_or(&lower);
    let (scheme, authority) = lower
        .split_once("://")
        .ok_or_else(|| format!("{origin:?} is not an origin like https://blog.example.org"))?;
    let default_port = match scheme {
        "http" => ":80",
        "https" => ":443",
        _ => return Err(format!("{origin:?}: the scheme must be http or https")),
    };
    let authority = authority.strip_suffix(default_port).unwrap_or(authority);
    let host = match authority.rsplit_once(':') {
        // `[::1]` has colons of its own: only a colon after the `]` starts a port.
        Some((host, port)) if !port.contains(']') => {
            if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("{origin:?}: the port must be a number"));
            }
            host
        }
        _ => authority,
    };
    let host_ok = if let Some(inner) = host.strip_prefix('[') {
        inner
            .strip_suffix(']')
            .is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok())
    } else {
        !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    };
    if !host_ok {
        return Err(format!(
            "{origin:?} is not an origin like https://blog.example.org: only a scheme, a host \
             and a port, no path"
        ));
    }
    Ok(format!("{scheme}://{authority}"))
}

fn is_loopback(origin: &str) -> bool {
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
        .unwrap_or("");
    ["127.0.0.1", "localhost", "[::1]"].iter().any(|host| {
        authority
            .strip_prefix(host)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(':'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_normalized() {
        for (given, expected) in [
            ("https://blog.example.org", "https://blog.example.org"),
            ("HTTPS://Blog.Example.org/", "https://blog.example.org"),
            ("https://blog.example.org:443", "https://blog.example.org"),
            ("http://blog.example.org:80", "http://blog.example.org"),
            (
                "http://blog.example.org:8080",
                "http://blog.example.org:8080",
            ),
            ("http://[::1]:3000", "http://[::1]:3000"),
            ("http://[::1]", "http://[::1]"),
        ] {
            assert_eq!(normalize(given).as_deref(), Ok(expected), "{given}");
        }
        for bad in [
            "blog.example.org",
            "ftp://blog.example.org",
            "https://blog.example.org/path",
            "https://",
            "https://user@blog.example.org",
            "https://blog.example.org:",
            "https://blog.example.org:x",
            "https://[nope]:1",
            "null",
        ] {
            assert!(normalize(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn loopback_by_default() {
        let allowed = AllowedOrigins::loopback();
        for origin in [
            "http://127.0.0.1:8080",
            "http://localhost:5173",
            "http://[::1]:1234",
            "http://localhost",
            "https://127.0.0.1:1",
        ] {
            assert!(allowed.allows(origin, None), "{origin}");
        }
        for origin in [
            "https://blog.example.org",
            "http://localhost.evil.example",
            "http://127.0.0.1.evil.example",
            "null",
            "",
        ] {
            assert!(!allowed.allows(origin, None), "{origin}");
        }
    }

    #[test]
    fn listed_origins_replace_loopback_but_not_our_own() {
        let allowed = AllowedOrigins::listed(vec![normalize("https://blog.example.org").unwrap()]);
        assert!(allowed.allows("https://blog.example.org", None));
        assert!(!allowed.allows("https://blog.example.org.evil.example", None));
        assert!(!allowed.allows("http://blog.example.org", None));
        assert!(!allowed.allows("http://127.0.0.1:8080", None));
        assert!(allowed.allows("https://comments.example.org", Some("comments.example.org")));
        assert!(allowed.allows("http://127.0.0.1:8080", Some("127.0.0.1:8080")));
        assert!(!allowed.allows("http://127.0.0.1:9999", Some("127.0.0.1:8080")));
    }
}

//! Who a request comes from: the client's network, as the abuse limits count it.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;

use crate::abuse::Network;
use crate::AppState;

/// The network a request comes from, as the abuse limits count it. See the module docs.
pub(super) struct Client(pub(super) Network);

impl FromRequestParts<AppState> for Client {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        let forwarded = if state.trust_forwarded_for {
            rightmost_forwarded_for(&parts.headers)
        } else {
            None
        };
        Ok(Client(Network::of(forwarded.or(peer))))
    }
}

/// The entry our own proxy appended: the last of the last `X-Forwarded-For` header. Entries
/// before it are whatever the client claimed. An entry that is not an address is ignored.
fn rightmost_forwarded_for(headers: &HeaderMap) -> Option<IpAddr> {
    let last = headers.get_all("x-forwarded-for").iter().next_back()?;
    let entry = last.to_str().ok()?.rsplit(',').next()?.trim();
    let entry = entry
        .strip_prefix('[')
        .and_then(|e| e.strip_suffix(']'))
        .unwrap_or(entry);
    entry.parse().ok()
}

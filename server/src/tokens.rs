//! What the server signs and hashes: voter tokens, edit tokens and client networks.
//!
//! - A **voter token** is `<id>.<mac>`: 16 random bytes, and HMAC-SHA256 of them under the
//!   server's `voter_key`, both base64url without padding. The server recognizes its own
//!   signature, so minting a voter writes nothing, and a token cannot be forged or guessed.
//!   Vote rows store only the id. The token identifies a browser, not a person: what keeps a
//!   script that mints tokens from inflating a tally is [`crate::abuse`], not the token.
//! - An **edit token** is 32 random bytes, base64url, given once to a comment's author. Only
//!   its SHA-256 is stored, so a leaked database lets nobody edit anything; it is compared in
//!   constant time.
//! - A **network hash** is HMAC-SHA256 of a client's network under the server's
//!   `network_salt`, cut to 16 bytes: votes remember where they came from (for the cap on one
//!   network's weight in a tally) without the database ever holding an IP address.
//!
//! Both secrets are generated on the first start and kept in the database (`server_secrets`),
//! so tokens stay valid across restarts.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use sqlx::AnyPool;
use subtle::ConstantTimeEq;

use crate::abuse::Network;
use crate::store;

type HmacSha256 = Hmac<Sha256>;

const SECRET_BYTES: usize = 32;
const VOTER_ID_BYTES: usize = 16;
const EDIT_TOKEN_BYTES: usize = 32;
/// Longer than any token we mint: longer headers are refused before decoding anything.
const MAX_TOKEN_CHARS: usize = 128;
/// Keeps a voter signature from ever being valid as anything else we may sign later.
const VOTER_CONTEXT: &[u8] = b"caucus voter v1\0";

/// The server's secrets. `Debug` does not show them, so they never reach a log.
#[derive(Clone)]
pub struct ServerKeys {
    voter_key: [u8; SECRET_BYTES],
    network_salt: [u8; SECRET_BYTES],
}

impl fmt::Debug for ServerKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ServerKeys { .. }")
    }
}

/// An anonymous voter, as vote rows store it: the id inside a valid voter token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoterId(String);

impl VoterId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new edit token: `token` goes to the author, `hash` to the database.
pub struct EditToken {
    pub token: String,
    pub hash: [u8; 32],
}

impl ServerKeys {
    /// Reads the secrets from the database, generating each one the first time. Two servers
    /// starting at once on a new database agree: the first insert wins, both read it back.
    pub async fn load(pool: &AnyPool) -> anyhow::Result<ServerKeys> {
        Ok(ServerKeys {
            voter_key: load_secret(pool, "voter_key").await?,
            network_salt: load_secret(pool, "network_salt").await?,
        })
    }

    /// A fresh voter token.
    pub fn mint_voter(&self) -> Result<String, getrandom::Error> {
        let id: [u8; VOTER_ID_BYTES] = random_bytes()?;
        let mac = self.voter_mac(&id).finalize().into_bytes();
        Ok(format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(id),
            URL_SAFE_NO_PAD.encode(mac)
        ))
    }

    /// The voter a token stands for, if this server signed it.
    pub fn verify_voter(&self, token: &str) -> Option<VoterId> {
        if token.len() > MAX_TOKEN_CHARS {
            return None;
        }
        let (id_text, mac_text) = token.split_once('.')?;
        let id = URL_SAFE_NO_PAD.decode(id_text).ok()?;
        let mac = URL_SAFE_NO_PAD.decode(mac_text).ok()?;
        if id.len() != VOTER_ID_BYTES {
            return None;
        }
        // `verify_slice` compares in constant time.
        self.voter_mac(&id).verify_slice(&mac).ok()?;
        // Re-encoded rather than copied, so one voter has exactly one spelling.
        Some(VoterId(URL_SAFE_NO_PAD.encode(id)))
    }

    fn voter_mac(&self, id: &[u8]) -> HmacSha256 {
        let mut mac = keyed(&self.voter_key);
        mac.update(VOTER_CONTEXT);
        mac.update(id);
        mac
    }

    /// A short name for this database, the same in every server process that uses it: thread
    /// `ETag`s start with it, so a copy read from one database never matches another's.
    pub fn database_tag(&self) -> String {
        let mut mac = keyed(&self.voter_key);
        mac.update(b"caucus etag v1\0");
        URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..6])
    }

    /// A short name for a voter in the `ETag` of what that voter reads: not the id itself,
    /// which an `ETag` would show to every cache on the way.
    pub fn voter_tag(&self, voter: &str) -> String {
        let mut mac = keyed(&self.voter_key);
        mac.update(b"caucus voter etag v1\0");
        mac.update(voter.as_bytes());
        URL_SAFE_NO_PAD.encode(&mac.finalize().into_bytes()[..9])
    }

    /// The salted hash a vote stores instead of the client's network.
    pub fn network_hash(&self, network: Network) -> [u8; 16] {
        let mut mac = keyed(&self.network_salt);
        mac.update(&network.to_bytes());
        let full = mac.finalize().into_bytes();
        let mut short = [0u8; 16];
        short.copy_from_slice(&full[..16]);
        short
    }
}

fn keyed(key: &[u8; SECRET_BYTES]) -> HmacSha256 {
    <HmacSha256 as Mac>::new_from_slice(key).expect("HMAC takes keys of any length")
}

async fn load_secret(pool: &AnyPool, name: &str) -> anyhow::Result<[u8; SECRET_BYTES]> {
    let fresh: [u8; SECRET_BYTES] = random_bytes()?;
    let stored = store::secret(pool, name, &fresh).await?;
    <[u8; SECRET_BYTES]>::try_from(stored.as_slice()).map_err(|_| {
        anyhow::anyhow!(
            "the database's secret {name:?} is {} bytes long instead of {SECRET_BYTES}",
            stored.len()
        )
    })
}

fn random_bytes<const N: usize>() -> Result<[u8; N], getrandom::Error> {
    let mut bytes = [0u8; N];
    getrandom::getrandom(&mut bytes)?;
    Ok(bytes)
}

/// A fresh edit token for a new comment.
pub fn new_edit_token() -> Result<EditToken, getrandom::Error> {
    let secret: [u8; EDIT_TOKEN_BYTES] = random_bytes()?;
    let token = URL_SAFE_NO_PAD.encode(secret);
    let hash = edit_token_hash(&token);
    Ok(EditToken { token, hash })
}

fn edit_token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Whether `presented` is the edit token whose hash was stored. Constant time, so how long the
/// answer takes says nothing about how close a guess was.
pub fn edit_token_matches(presented: &str, stored_hash: &[u8]) -> bool {
    if presented.len() > MAX_TOKEN_CHARS {
        return false;
    }
    edit_token_hash(presented).ct_eq(stored_hash).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(byte: u8) -> ServerKeys {
        ServerKeys {
            voter_key: [byte; SECRET_BYTES],
            network_salt: [byte; SECRET_BYTES],
        }
    }

    #[test]
    fn voter_tokens_verify_only_with_their_key() {
        let ours = keys(1);
        let token = ours.mint_voter().unwrap();
        let voter = ours.verify_voter(&token).unwrap();
        assert_eq!(token.split_once('.').unwrap().0, voter.as_str());
        assert_ne!(ours.mint_voter().unwrap(), token, "tokens are random");
        assert_eq!(keys(2).verify_voter(&token), None, "another server's key");
    }

    #[test]
    fn garbled_voter_tokens_are_refused() {
        let ours = keys(1);
        let token = ours.mint_voter().unwrap();
        let (id, mac) = token.split_once('.').unwrap();
        let other = ours.mint_voter().unwrap();
        let (other_id, _) = other.split_once('.').unwrap();
        let long = "a".repeat(1000);
        for bad in [
            "",
            ".",
            id,
            mac,
            &format!("{other_id}.{mac}"),
            &format!("{id}.{}", &mac[1..]),
            &format!("{id}.{mac}="),
            &format!("{id}.{mac}.x"),
            &format!("{id}x.{mac}"),
            &format!("{id} .{mac}"),
            &long,
            "not a token at all",
        ] {
            assert_eq!(ours.verify_voter(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn edit_tokens_match_only_their_hash() {
        let first = new_edit_token().unwrap();
        let second = new_edit_token().unwrap();
        assert!(edit_token_matches(&first.token, &first.hash));
        assert!(!edit_token_matches(&second.token, &first.hash));
        assert!(!edit_token_matches("", &first.hash));
        assert!(!edit_token_matches(&first.token, &[]));
        assert!(
            !first.token.contains(['+', '/', '=']),
            "URL and header safe"
        );
    }

    #[test]
    fn network_hashes_are_salted() {
        let network = Network::of(Some("192.0.2.7".parse().unwrap()));
        assert_eq!(keys(1).network_hash(network), keys(1).network_hash(network));
        assert_ne!(keys(1).network_hash(network), keys(2).network_hash(network));
        assert_ne!(
            keys(1).network_hash(network),
            keys(1).network_hash(Network::of(Some("192.0.2.8".parse().unwrap())))
        );
    }
}

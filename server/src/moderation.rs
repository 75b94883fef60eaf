//! Moderation: which new comments wait for the site owner, and the admin secret that lets the
//! owner approve, edit, delete and block (`/api/admin/...`, the `/admin` page).
//!
//! - [`Moderation`] (`--moderation`): `off` publishes every comment at once; `first-post`
//!   holds the comments of an author who has no published comment yet (known neither by their
//!   browser's voter id nor by their network); `all` holds every comment. A held comment is
//!   shown only to the browser that wrote it (the voter token it sent), marked "awaiting
//!   approval", and is counted nowhere until approved.
//! - [`AdminSecret`]: the one secret of the admin, from `--admin-token-file` or
//!   `CAUCUS_ADMIN_TOKEN`. There is no default: without one, the admin API answers 404. Only
//!   its SHA-256 is kept in memory, and a presented secret is compared in constant time.

use std::fmt;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `--moderation`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Moderation {
    #[default]
    Off,
    FirstPost,
    All,
}

/// A secret shorter than this is refused at start: the admin API has no rate limit of its own,
/// so the secret must be too long to guess.
pub const MIN_ADMIN_SECRET_CHARS: usize = 16;

/// The admin secret, as SHA-256. `Debug` does not show it.
#[derive(Clone)]
pub struct AdminSecret {
    hash: [u8; 32],
}

impl fmt::Debug for AdminSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminSecret { .. }")
    }
}

impl AdminSecret {
    /// The secret `text` (surrounding whitespace, like a file's last newline, is not part of
    /// it); an error that says why if it is too short to be safe.
    pub fn new(text: &str) -> anyhow::Result<AdminSecret> {
        let secret = text.trim();
        if secret.chars().count() < MIN_ADMIN_SECRET_CHARS {
            anyhow::bail!(
                "the admin secret must be at least {MIN_ADMIN_SECRET_CHARS} characters long \
                 (try: openssl rand -base64 24)"
            );
        }
        Ok(AdminSecret {
            hash: Sha256::digest(secret.as_bytes()).into(),
        })
    }

    /// Whether `presented` is the secret. Hashing first makes the comparison take the same
    /// time whatever the length of what was presented.
    pub fn matches(&self, presented: &str) -> bool {
        let hash: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        hash.ct_eq(&self.hash).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_secret_matches_only_itself_and_must_be_long() {
        let secret = AdminSecret::new("  correct horse battery staple\n").unwrap();
        assert!(secret.matches("correct horse battery staple"));
        assert!(!secret.matches("correct horse battery stapl"));
        assert!(!secret.matches(""));
        assert!(AdminSecret::new("short").is_err());
        assert!(!format!("{secret:?}").contains("horse"));
    }
}

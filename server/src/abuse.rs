//! Abuse limits: how fast one client may write, and how much weight one network has in a tally.
//!
//! They are on by default; `--rate-limits off` turns every one of them off, the tally cap
//! included. That switch is for benchmarks and load tests, where every request comes from one
//! address; a public server keeps them on.
//!
//! ## Who a client is
//!
//! A client is its network ([`Network`]): an IPv4 address, or the /64 prefix of an IPv6 address,
//! since a host or household is usually handed a whole /64 and could otherwise take a fresh
//! address for every request. The address is the socket's peer, or, behind a reverse proxy
//! (`--trust-forwarded-for`), the right-most `X-Forwarded-For` entry: the one the proxy added,
//! the only one a client cannot forge. When no address is known, all such requests are one
//! shared client, `unknown`.
//!
//! ## Rates
//!
//! | what                                   | default per network |
//! |----------------------------------------|---------------------|
//! | comments: `POST` a comment, `PATCH` one | 20 a minute        |
//! | votes: `PUT` or `DELETE` a vote        | 120 a minute        |
//! | new voter tokens: `POST /api/voters`   | 60 an hour          |
//!
//! Each is a bucket holding that many requests, refilled evenly over its period (the generic
//! cell rate algorithm): a burst of the whole allowance is fine, after which one request per
//! period/allowance gets through. Over the limit the answer is `429 rate_limited` with
//! `Retry-After` (whole seconds) and a message that says how long to wait. Memory stays
//! bounded: a bucket is one instant per action and network, a full bucket carries no
//! information and is dropped, and at most [`MAX_TRACKED`] buckets are kept at all.
//!
//! ## Tallies: one network, at most ten votes per target
//!
//! Minting a voter token costs nothing, so tokens alone would let a script inflate a tally:
//! mint a thousand, vote a thousand times. So each vote row keeps a salted hash of the
//! network it came from ([`crate::tokens`]; never the address), and a comment or thread counts
//! at most [`Policy::votes_per_network_per_target`] (10) votes from one network. A vote beyond
//! that is refused with `403 network_vote_limit` and a message that says why, rather than
//! silently not counted: an office behind one address that truly has eleven readers is told,
//! not fooled. Taking a vote back frees its place. Minting is rate-limited as well, so even the
//! ten are slow to reach from a script. The check and the insert are one SQL statement inside
//! the vote's transaction, so concurrent votes cannot overshoot it.
//!
//! What this does not stop: someone voting from many networks (a botnet, many proxies). Ten
//! per network keeps that expensive, and the vote rows keep the hashes to clean up with.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most buckets kept at once, for all actions together (a few MB at most).
pub const MAX_TRACKED: usize = 100_000;

/// What a limit counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Posting or editing a comment.
    Comment,
    /// Voting or taking a vote back.
    Vote,
    /// Minting a voter token.
    NewVoter,
}

/// A client, as the limits count it: see the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Network {
    V4([u8; 4]),
    /// The /64 prefix.
    V6([u8; 8]),
    Unknown,
}

impl Network {
    pub fn of(ip: Option<IpAddr>) -> Network {
        match ip {
            None => Network::Unknown,
            Some(IpAddr::V4(v4)) => Network::V4(v4.octets()),
            // A dual-stack socket reports IPv4 clients as `::ffff:a.b.c.d`.
            Some(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
                Some(v4) => Network::V4(v4.octets()),
                None => {
                    let mut prefix = [0u8; 8];
                    prefix.copy_from_slice(&v6.octets()[..8]);
                    Network::V6(prefix)
                }
            },
        }
    }

    /// An unambiguous byte form, for hashing: a tag, then the address bytes.
    pub fn to_bytes(self) -> Vec<u8> {
        match self {
            Network::V4(octets) => [&[4u8][..], &octets].concat(),
            Network::V6(prefix) => [&[6u8][..], &prefix].concat(),
            Network::Unknown => vec![0],
        }
    }
}

/// So many requests per period.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    pub requests: u32,
    pub per: Duration,
}

impl Rate {
    pub const fn per_minute(requests: u32) -> Rate {
        Rate {
            requests,
            per: Duration::from_secs(60),
        }
    }

    pub const fn per_hour(requests: u32) -> Rate {
        Rate {
            requests,
            per: Duration::from_secs(3600),
        }
    }
}

/// The numbers of the limits; [`Policy::default`] is what a server runs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Policy {
    pub comments: Rate,
    pub votes: Rate,
    pub new_voters: Rate,
    pub votes_per_network_per_target: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            comments: Rate::per_minute(20),
            votes: Rate::per_minute(120),
            new_voters: Rate::per_hour(60),
            votes_per_network_per_target: 10,
        }
    }
}

impl Policy {
    fn rate(&self, action: Action) -> Rate {
        match action {
            Action::Comment => self.comments,
            Action::Vote => self.votes,
            Action::NewVoter => self.new_voters,
        }
    }
}

/// The limits a server enforces, and the buckets that count against them.
#[derive(Debug)]
pub struct AbuseLimits {
    policy: Option<Policy>,
    /// For each action and network, when its bucket will be full again (the "theoretical
    /// arrival time" of the algorithm). An entry in the past is a full bucket.
    buckets: Mutex<HashMap<(Action, Network), Instant>>,
    max_tracked: usize,
}

impl AbuseLimits {
    pub fn new(policy: Policy) -> AbuseLimits {
        AbuseLimits {
            policy: Some(policy),
            buckets: Mutex::new(HashMap::new()),
            max_tracked: MAX_TRACKED,
        }
    }

    /// No limits at all (`--rate-limits off`).
    pub fn off() -> AbuseLimits {
        AbuseLimits {
            policy: None,
            buckets: Mutex::new(HashMap::new()),
            max_tracked: MAX_TRACKED,
        }
    }

    /// How many votes one network may have counted on one target; `None` when limits are off.
    pub fn votes_per_network_per_target(&self) -> Option<u32> {
        self.policy
            .map(|policy| policy.votes_per_network_per_target)
    }

    /// Counts one `action` by `network`. `Err(wait)` when over the limit: nothing was counted,
    /// and the same request will pass after `wait`.
    pub fn check(&self, action: Action, network: Network) -> Result<(), Duration> {
        self.check_at(action, network, Instant::now())
    }

    fn check_at(&self, action: Action, network: Network, now: Instant) -> Result<(), Duration> {
        let Some(policy) = self.policy else {
            return Ok(());
        };
        let rate = policy.rate(action);
        let interval = rate.per / rate.requests.max(1);
        // How far ahead of now the bucket may run: the burst.
        let tolerance = rate.per.saturating_sub(interval);

        // A poisoned lock only means another request panicked mid-count; the map is still a
        // valid map, and a lost count is harmless.
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let key = (action, network);
        let full_again = buckets.get(&key).copied().filter(|at| *at > now);
        let ahead = full_again.map_or(Duration::ZERO, |at| at - now);
        if ahead > tolerance {
            return Err(ahead - tolerance);
        }
        if full_again.is_none() && buckets.len() >= self.max_tracked {
            evict(&mut buckets, now);
        }
        buckets.insert(key, now + ahead + interval);
        Ok(())
    }

    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.buckets.lock().map(|b| b.len()).unwrap_or(0)
    }
}

/// Makes room for one more bucket: full buckets go first (they are the same as no entry), and
/// if none is full, the one that will be full soonest.
fn evict(buckets: &mut HashMap<(Action, Network), Instant>, now: Instant) {
    buckets.retain(|_, full_again| *full_again > now);
    if buckets.is_empty() {
        return;
    }
    let soonest = buckets
        .iter()
        .min_by_key(|(_, full_again)| **full_again)
        .map(|(key, _)| *key);
    if let Some(key) = soonest {
        buckets.remove(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(ip: &str) -> Network {
        Network::of(Some(ip.parse().unwrap()))
    }

    fn limits(comments: u32) -> AbuseLimits {
        AbuseLimits::new(Policy {
            comments: Rate::per_minute(comments),
            ..Policy::default()
        })
    }

    #[test]
    fn a_burst_then_one_request_per_interval() {
        let limits = limits(6); // one every 10 s after a burst of 6
        let start = Instant::now();
        let client = net("192.0.2.1");
        for _ in 0..6 {
            assert_eq!(limits.check_at(Action::Comment, client, start), Ok(()));
        }
        let wait = limits.check_at(Action::Comment, client, start).unwrap_err();
        assert_eq!(wait, Duration::from_secs(10));
        let later = start + Duration::from_secs(4);
        assert_eq!(
            limits.check_at(Action::Comment, client, later),
            Err(Duration::from_secs(6))
        );
        let after_wait = start + Duration::from_secs(10);
        assert_eq!(limits.check_at(Action::Comment, client, after_wait), Ok(()));
        assert!(limits
            .check_at(Action::Comment, client, after_wait)
            .is_err());
        // A full minute later the whole burst is back.
        let much_later = after_wait + Duration::from_secs(60);
        for _ in 0..6 {
            assert_eq!(limits.check_at(Action::Comment, client, much_later), Ok(()));
        }
    }

    #[test]
    fn networks_and_actions_count_apart() {
        let limits = limits(1);
        let now = Instant::now();
        assert!(limits
            .check_at(Action::Comment, net("192.0.2.1"), now)
            .is_ok());
        assert!(limits
            .check_at(Action::Comment, net("192.0.2.1"), now)
            .is_err());
        assert!(limits
            .check_at(Action::Comment, net("192.0.2.2"), now)
            .is_ok());
        assert!(limits.check_at(Action::Vote, net("192.0.2.1"), now).is_ok());
        assert!(limits
            .check_at(Action::Comment, Network::Unknown, now)
            .is_ok());
        assert!(limits
            .check_at(Action::Comment, Network::Unknown, now)
            .is_err());
    }

    #[test]
    fn ipv6_counts_per_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(net("2001:db8:1:2::1"), net("2001:db8:1:2:ffff::9"));
        assert_ne!(net("2001:db8:1:2::1"), net("2001:db8:1:3::1"));
        assert_eq!(net("::ffff:192.0.2.1"), net("192.0.2.1"));
        assert_eq!(Network::of(None), Network::Unknown);
        assert_ne!(net("0.0.0.0").to_bytes(), Network::Unknown.to_bytes());
    }

    #[test]
    fn off_means_no_limit() {
        let limits = AbuseLimits::off();
        let now = Instant::now();
        for _ in 0..10_000 {
            assert!(limits
                .check_at(Action::NewVoter, Network::Unknown, now)
                .is_ok());
        }
        assert_eq!(limits.votes_per_network_per_target(), None);
        assert_eq!(limits.tracked(), 0);
        assert_eq!(
            AbuseLimits::new(Policy::default()).votes_per_network_per_target(),
            Some(10)
        );
    }

    #[test]
    fn memory_stays_bounded() {
        let mut limits = limits(2);
        limits.max_tracked = 100;
        let start = Instant::now();
        for n in 0..1_000u32 {
            let client = Network::V4(n.to_be_bytes());
            assert!(limits.check_at(Action::Comment, client, start).is_ok());
            assert!(limits.tracked() <= 100);
        }
        // Clients still counted keep their count...
        let last = Network::V4(999u32.to_be_bytes());
        assert!(limits.check_at(Action::Comment, last, start).is_ok());
        assert!(limits.check_at(Action::Comment, last, start).is_err());
        // ...and once every bucket is full again, they all go at the next eviction.
        let later = start + Duration::from_secs(61);
        for n in 0..100u32 {
            let client = Network::V4((5_000 + n).to_be_bytes());
            assert!(limits.check_at(Action::Comment, client, later).is_ok());
        }
        assert!(limits.tracked() <= 100);
    }
}

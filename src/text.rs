//! The words the widget shows: counts with the right plural, dates a person reads, how long
//! ago, and the sentences of errors, in the reader's language ([`crate::i18n`] holds the
//! tables).
//!
//! Kept apart from the components so every phrase is tested natively, and so the wording of
//! the origin page ("1 user has voted.", "0 users have voted.") lives in one place.

use crate::api::ApiError;
use crate::i18n::Lang;

/// The tally under a vote button, worded as on the origin page.
pub fn vote_tally(lang: Lang, votes: u64) -> String {
    lang.count(&lang.phrases().tally, votes)
}

/// The thread's heading: how many comments there are.
pub fn comment_count(lang: Lang, count: usize) -> String {
    match count {
        0 => lang.phrases().no_comments.to_owned(),
        n => lang.count(&lang.phrases().comments, n as u64),
    }
}

/// The line under a collapsed comment: how many comments the collapse hides (all generations).
pub fn replies_hidden(lang: Lang, count: usize) -> String {
    lang.count(&lang.phrases().replies_hidden, count as u64)
}

/// The button that shows the comments written since the reader opened the thread.
pub fn new_comments(lang: Lang, count: usize) -> String {
    lang.count(&lang.phrases().new_comments, count as u64)
}

/// The name of a sort order in the sort control.
pub fn sort_label(lang: Lang, order: caucus_model::SortOrder) -> &'static str {
    let p = lang.phrases();
    match order {
        caucus_model::SortOrder::Oldest => p.sort_oldest,
        caucus_model::SortOrder::Newest => p.sort_newest,
        caucus_model::SortOrder::Top => p.sort_top,
    }
}

/// The text alternative of an author's picture, as the origin page words it.
pub fn picture_alt(lang: Lang, author: &str) -> String {
    lang.phrases().picture_of.replace("{name}", author)
}

/// The collapse button's name: whose replies it hides.
pub fn replies_to(lang: Lang, author: &str) -> String {
    lang.phrases().replies_to.replace("{name}", author)
}

/// The sentence a reader sees for a failed request. The server's own messages are shown as
/// it sent them (it words them for people); the widget's own are translated.
pub fn api_error(lang: Lang, error: &ApiError) -> String {
    let p = lang.phrases();
    match error {
        ApiError::Network => p.error_network.to_owned(),
        ApiError::InvalidSlug(slug) => p.error_slug.replace("{slug}", &format!("{slug:?}")),
        ApiError::Server { message, .. } => message.clone(),
        ApiError::Status(status) if *status >= 500 => {
            p.error_server.replace("{status}", &status.to_string())
        }
        ApiError::Status(status) => p.error_refused.replace("{status}", &status.to_string()),
        ApiError::NotJson { status } => p.error_not_json.replace("{status}", &status.to_string()),
        ApiError::Truncated => p.error_truncated.to_owned(),
        ApiError::Timeout => p.error_timeout.replace(
            "{seconds}",
            &(crate::api::REQUEST_TIMEOUT_MS / 1000).to_string(),
        ),
        ApiError::Unexpected(detail) => p.error_unexpected.replace("{detail}", detail),
    }
}

/// "2016-07-20T14:03:00Z" → "20 Jul 2016, 14:03 UTC" (month names in the reader's language).
///
/// The server always sends UTC (`Z` or `+00:00`). Anything else — another offset, a date the
/// widget cannot read — comes back as it was sent rather than as a wrong time: a timestamp
/// nobody can misread beats a pretty one that lies.
pub fn readable_date(lang: Lang, rfc3339: &str) -> String {
    match parse_utc(rfc3339) {
        Some(t) => {
            let month = (t.month as usize)
                .checked_sub(1)
                .and_then(|i| lang.phrases().months.get(i))
                .copied()
                .unwrap_or("");
            format!(
                "{} {month} {}, {:02}:{:02} UTC",
                t.day, t.year, t.hour, t.minute
            )
        }
        None => rfc3339.to_owned(),
    }
}

/// "3 hours ago": how long before `now_ms` (milliseconds since 1970) the timestamp was.
/// `None` for a timestamp the widget cannot read (show [`readable_date`] instead). A time in
/// the future (a clock that runs behind the server's) reads as "just now".
pub fn relative_time(lang: Lang, rfc3339: &str, now_ms: f64) -> Option<String> {
    const MINUTE: i64 = 60;
    const HOUR: i64 = 60 * MINUTE;
    const DAY: i64 = 24 * HOUR;
    let then = parse_utc(rfc3339)?.unix_seconds();
    let now = (now_ms / 1000.0).floor();
    if !now.is_finite() {
        return None;
    }
    let ago = (now as i64).saturating_sub(then).max(0);
    let p = lang.phrases();
    let (forms, n) = match ago {
        a if a < MINUTE => return Some(p.just_now.to_owned()),
        a if a < HOUR => (&p.minutes_ago, a / MINUTE),
        a if a < DAY => (&p.hours_ago, a / HOUR),
        a if a < 30 * DAY => (&p.days_ago, a / DAY),
        a if a < 365 * DAY => (&p.months_ago, a / (30 * DAY)),
        a => (&p.years_ago, a / (365 * DAY)),
    };
    Some(lang.count(forms, n.unsigned_abs()))
}

/// A UTC timestamp, read.
struct Utc {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
}

impl Utc {
    /// Seconds since 1970-01-01T00:00:00Z (days from the civil date, Howard Hinnant's way).
    fn unix_seconds(&self) -> i64 {
        let (y, m, d) = (
            i64::from(self.year),
            i64::from(self.month),
            i64::from(self.day),
        );
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        days * 86_400
            + i64::from(self.hour) * 3_600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }
}

fn parse_utc(s: &str) -> Option<Utc> {
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        let digits = s.get(range)?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    };
    let separators_ok = s.get(4..5) == Some("-")
        && s.get(7..8) == Some("-")
        && matches!(s.get(10..11), Some("T" | "t" | " "))
        && s.get(13..14) == Some(":");
    if !separators_ok {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute) = (number(11..13)?, number(14..16)?);

    // After the minutes: optional seconds and fraction, then the offset, which must be UTC.
    let rest = s.get(16..)?;
    let second = match rest.strip_prefix(':') {
        Some(r) => r.get(0..2).and_then(|d| d.parse().ok()).unwrap_or(0),
        None => 0,
    };
    let rest = rest
        .strip_prefix(':')
        .map(|r| r.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest);
    if !matches!(rest, "Z" | "z" | "+00:00" | "-00:00") {
        return None;
    }
    if !(1..=12).contains(&month) || day == 0 || day > 31 || hour > 23 || minute > 59 {
        return None;
    }
    Some(Utc {
        year,
        month,
        day,
        hour,
        minute,
        second: second.min(60),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang::{self, Ar, De, En, Ru};

    #[test]
    fn tallies_match_the_origin_page() {
        assert_eq!(vote_tally(En, 0), "0 users have voted.");
        assert_eq!(vote_tally(En, 1), "1 user has voted.");
        assert_eq!(vote_tally(En, 2), "2 users have voted.");
        assert_eq!(
            vote_tally(En, u64::MAX),
            format!("{} users have voted.", u64::MAX)
        );
    }

    #[test]
    fn counts_and_hidden_replies() {
        assert_eq!(comment_count(En, 0), "No comments yet");
        assert_eq!(comment_count(En, 1), "1 comment");
        assert_eq!(comment_count(En, 7), "7 comments");
        assert_eq!(replies_hidden(En, 1), "1 reply hidden");
        assert_eq!(replies_hidden(En, 3), "3 replies hidden");
        assert_eq!(new_comments(En, 1), "1 new comment");
        assert_eq!(new_comments(En, 2), "2 new comments");
        assert_eq!(new_comments(De, 2), "2 neue Kommentare");
        assert_eq!(picture_alt(En, "riverlover"), "riverlover's picture");
        assert_eq!(sort_label(En, caucus_model::SortOrder::Top), "most votes");
    }

    #[test]
    fn dates_read_like_dates() {
        assert_eq!(
            readable_date(En, "2016-07-20T14:03:00Z"),
            "20 Jul 2016, 14:03 UTC"
        );
        assert_eq!(
            readable_date(En, "2016-01-05T09:07:59.123Z"),
            "5 Jan 2016, 09:07 UTC"
        );
        assert_eq!(
            readable_date(En, "2016-12-31T23:59+00:00"),
            "31 Dec 2016, 23:59 UTC"
        );
    }

    #[test]
    fn unreadable_dates_are_shown_as_sent() {
        for odd in [
            "",
            "yesterday",
            "2016-13-20T14:03:00Z",
            "2016-00-20T14:03:00Z",
            "2016-07-20T14:03:00+02:00",
            "2016-07-20T25:03:00Z",
            "2016-07-20",
            "２０16-07-20T14:03:00Z",
            "2016-07-20T14:03:00Zjunk",
            "+016-07-20T14:03:00Z",
        ] {
            assert_eq!(readable_date(En, odd), odd, "{odd:?}");
        }
    }

    #[test]
    fn how_long_ago_in_each_language() {
        let at = |s: &str| {
            parse_utc(s)
                .map(|t| t.unix_seconds() as f64 * 1000.0)
                .unwrap()
        };
        let now = at("2026-11-25T16:00:00Z");
        let cases: [(Lang, &str, &str); 9] = [
            (En, "2026-11-25T15:59:30Z", "just now"),
            (En, "2026-11-25T13:00:00Z", "3 hours ago"),
            (En, "2026-11-25T15:59:00Z", "1 minute ago"),
            (De, "2026-11-22T16:00:00Z", "vor 3 Tagen"),
            (Ru, "2026-11-25T11:00:00Z", "5 часов назад"),
            (Ru, "2026-11-04T16:00:00Z", "21 день назад"),
            (Ar, "2026-11-23T16:00:00Z", "منذ يومين"),
            (En, "2016-07-20T14:03:00Z", "10 years ago"),
            (En, "2027-01-01T00:00:00Z", "just now"),
        ];
        for (lang, then, want) in cases {
            assert_eq!(
                relative_time(lang, then, now).as_deref(),
                Some(want),
                "{lang:?} {then}"
            );
        }
        assert_eq!(relative_time(En, "yesterday", now), None);
        assert_eq!(relative_time(En, "2026-11-25T13:00:00Z", f64::NAN), None);
        assert_eq!(at("1970-01-01T00:00:00Z"), 0.0);
        assert_eq!(at("2000-03-01T00:00:01Z"), 951_868_801_000.0);
    }

    #[test]
    fn errors_are_translated_and_the_servers_words_kept() {
        assert_eq!(
            api_error(En, &ApiError::Network),
            ApiError::Network.to_string(),
            "English matches the error's own Display"
        );
        assert_eq!(
            api_error(En, &ApiError::Status(503)),
            ApiError::Status(503).to_string()
        );
        assert_eq!(
            api_error(En, &ApiError::Timeout),
            ApiError::Timeout.to_string()
        );
        assert!(api_error(De, &ApiError::Timeout).contains("15 Sekunden"));
        assert!(api_error(De, &ApiError::Network).contains("nicht erreichbar"));
        assert!(api_error(Ru, &ApiError::Status(404)).contains("HTTP 404"));
        let server = ApiError::Server {
            status: 429,
            code: "rate_limited".into(),
            message: "Too many comments.".into(),
        };
        assert_eq!(api_error(Ar, &server), "Too many comments.");
        assert_eq!(
            readable_date(De, "2016-03-20T14:03:00Z"),
            "20 März 2016, 14:03 UTC"
        );
    }
}

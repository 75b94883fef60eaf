//! The words the widget shows: counts with the right plural, and dates a person reads.
//!
//! Kept apart from the components so every phrase is tested natively, and so the wording of
//! the origin page ("1 user has voted.", "0 users have voted.") lives in one place.

/// The marker on a comment the site owner has not approved yet, which only its author sees.
pub const AWAITING_APPROVAL: &str = "awaiting approval";

/// The tally under a vote button, worded as on the origin page.
pub fn vote_tally(votes: u64) -> String {
    match votes {
        1 => "1 user has voted.".to_owned(),
        n => format!("{n} users have voted."),
    }
}

/// The thread's heading: how many comments there are.
pub fn comment_count(count: usize) -> String {
    match count {
        0 => "No comments yet".to_owned(),
        1 => "1 comment".to_owned(),
        n => format!("{n} comments"),
    }
}

/// The line under a collapsed comment: how many comments the collapse hides (all generations).
pub fn replies_hidden(count: usize) -> String {
    match count {
        1 => "1 reply hidden".to_owned(),
        n => format!("{n} replies hidden"),
    }
}

/// The name of a sort order in the sort control.
pub fn sort_label(order: caucus_model::SortOrder) -> &'static str {
    match order {
        caucus_model::SortOrder::Oldest => "oldest first",
        caucus_model::SortOrder::Newest => "newest first",
        caucus_model::SortOrder::Top => "most votes",
    }
}

/// The text alternative of an author's picture, as the origin page words it.
pub fn picture_alt(author: &str) -> String {
    format!("{author}'s picture")
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "2016-07-20T14:03:00Z" → "20 Jul 2016, 14:03 UTC".
///
/// The server always sends UTC (`Z` or `+00:00`). Anything else — another offset, a date the
/// widget cannot read — comes back as it was sent rather than as a wrong time: a timestamp
/// nobody can misread beats a pretty one that lies.
pub fn readable_date(rfc3339: &str) -> String {
    parse_utc(rfc3339).unwrap_or_else(|| rfc3339.to_owned())
}

fn parse_utc(s: &str) -> Option<String> {
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
    let rest = rest
        .strip_prefix(':')
        .map(|r| r.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest);
    if !matches!(rest, "Z" | "z" | "+00:00" | "-00:00") {
        return None;
    }

    let month_name = MONTHS.get(usize::try_from(month).ok()?.checked_sub(1)?)?;
    if day == 0 || day > 31 || hour > 23 || minute > 59 {
        return None;
    }
    Some(format!(
        "{day} {month_name} {year}, {hour:02}:{minute:02} UTC"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tallies_match_the_origin_page() {
        assert_eq!(vote_tally(0), "0 users have voted.");
        assert_eq!(vote_tally(1), "1 user has voted.");
        assert_eq!(vote_tally(2), "2 users have voted.");
        assert_eq!(
            vote_tally(u64::MAX),
            format!("{} users have voted.", u64::MAX)
        );
    }

    #[test]
    fn counts_and_hidden_replies() {
        assert_eq!(comment_count(0), "No comments yet");
        assert_eq!(comment_count(1), "1 comment");
        assert_eq!(comment_count(7), "7 comments");
        assert_eq!(replies_hidden(1), "1 reply hidden");
        assert_eq!(replies_hidden(3), "3 replies hidden");
        assert_eq!(picture_alt("riverlover"), "riverlover's picture");
        assert_eq!(sort_label(caucus_model::SortOrder::Top), "most votes");
    }

    #[test]
    fn dates_read_like_dates() {
        assert_eq!(
            readable_date("2016-07-20T14:03:00Z"),
            "20 Jul 2016, 14:03 UTC"
        );
        assert_eq!(
            readable_date("2016-01-05T09:07:59.123Z"),
            "5 Jan 2016, 09:07 UTC"
        );
        assert_eq!(
            readable_date("2016-12-31T23:59+00:00"),
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
            assert_eq!(readable_date(odd), odd, "{odd:?}");
        }
    }
}

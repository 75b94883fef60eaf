//! The JSON bodies of the HTTP API, exactly as they travel.
//!
//! Field names are the wire names; renaming one is a breaking change for every embedded widget
//! that is already out there, so do it only with a new field and a deprecation.

use serde::{Deserialize, Serialize};

/// A comment's id: assigned by the server, unique across all threads.
pub type CommentId = i64;

/// A thread: one page's comments, plus the page's own vote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Thread {
    /// The thread's name, chosen by the host page (`data-caucus-thread`).
    pub slug: String,
    /// The page's title, when the server knows it (the demo does; a new thread may not).
    pub title: Option<String>,
    /// The page's canonical URL, when the server knows it: the target of the Share link.
    pub url: Option<String>,
    /// How many voters up-voted the page itself.
    pub votes: u64,
    /// Whether the voter who asked (header `X-Caucus-Voter`) is one of them.
    pub viewer_voted: bool,
}

/// One comment, as the widget shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comment {
    pub id: CommentId,
    /// The comment this one answers; `None` at the top level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<CommentId>,
    /// The author's display name; "Anonymous" when they gave none. Plain text, never HTML.
    pub author: String,
    /// An avatar image URL; `None` means the widget draws a generated picture.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// An optional subject line, shown above the body. Plain text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The body, rendered from Markdown and sanitized by the server. The only HTML on the wire.
    pub body_html: String,
    /// When the comment was posted, RFC 3339 in UTC (`2016-07-20T14:03:00Z`).
    pub created_at: String,
    /// When the comment was last edited, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<String>,
    /// How many voters up-voted this comment.
    pub votes: u64,
    /// Whether the voter who asked is one of them.
    #[serde(default, skip_serializing_if = "is_false")]
    pub viewer_voted: bool,
    /// The author's signature, printed under the comment. Plain text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// A deleted comment that still has replies stays as a placeholder (empty body, no author)
    /// so its replies keep their place in the tree.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deleted: bool,
    /// Waiting for the site owner's approval (`--moderation`): only its author's browser is
    /// shown it, and the widget marks it "awaiting approval".
    #[serde(default, skip_serializing_if = "is_false")]
    pub held: bool,
}

fn is_false(value: &bool) -> bool {
    !value
}

/// `GET /api/threads/{slug}`: a thread and all of its comments, as a flat list.
/// The widget builds the tree with [`crate::ThreadIndex`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThreadResponse {
    pub thread: Thread,
    pub comments: Vec<Comment>,
    /// The thread's version when this response was read: it grows with every change to the
    /// thread (a comment written, edited, deleted or approved, a vote). The widget starts its
    /// live updates from here (`GET /api/threads/{slug}/events?since=<version>`), so nothing
    /// written between the read and the subscription is missed. 0 for a thread nobody wrote in.
    #[serde(default)]
    pub version: u64,
}

/// One change to a thread, as `GET /api/threads/{slug}/events` sends it: a Server-Sent Events
/// stream whose events are `event: change`, `id: <the thread's version after the change>` and
/// `data: <this, as JSON>`. A client that reconnects (the browser sends `Last-Event-ID`, or the
/// widget passes `?since=`) is sent every comment that changed since that version in its current
/// state, so it misses nothing, though several changes to one comment may arrive as one.
///
/// Events are the same for every reader: `viewer_voted` is always false and held comments are
/// never sent (they are their author's alone until approved); a reader keeps their own
/// `viewer_voted` from the thread they read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", try_from = "TaggedEvent")]
pub enum ThreadEvent {
    /// A comment appeared, or changed: edited, deleted (a placeholder with `deleted: true`),
    /// approved, or its tally moved. A reader who already has it updates it in place.
    Comment { comment: Comment },
    /// The thread's own tally moved.
    ThreadVotes { votes: u64 },
}

/// The same JSON as [`ThreadEvent`], read as one flat object. Serde's own reading of an
/// internally tagged enum buffers the whole object in a generic `Content` first, which costs
/// the widget's wasm about as much code again as reading a comment; this costs a field.
#[derive(Deserialize)]
struct TaggedEvent {
    #[serde(rename = "type")]
    kind: EventKind,
    comment: Option<Comment>,
    votes: Option<u64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum EventKind {
    Comment,
    ThreadVotes,
}

impl TryFrom<TaggedEvent> for ThreadEvent {
    type Error = &'static str;

    fn try_from(event: TaggedEvent) -> Result<Self, Self::Error> {
        match event {
            TaggedEvent {
                kind: EventKind::Comment,
                comment: Some(comment),
                ..
            } => Ok(ThreadEvent::Comment { comment }),
            TaggedEvent {
                kind: EventKind::ThreadVotes,
                votes: Some(votes),
                ..
            } => Ok(ThreadEvent::ThreadVotes { votes }),
            TaggedEvent {
                kind: EventKind::Comment,
                ..
            } => Err("missing field `comment`"),
            TaggedEvent { .. } => Err("missing field `votes`"),
        }
    }
}

/// `GET /api/counts?slug=a&slug=b`: how many comments each thread shows, by slug, e.g.
/// `{"a": 12, "b": 0}`. Every slug asked for is a key; a thread nobody wrote in counts 0.
/// Placeholders of deleted comments are not counted.
pub type CommentCounts = std::collections::BTreeMap<String, u64>;

/// Every error the API returns: a stable machine-readable `error` code and a `message` a person
/// understands, which the widget shows as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: String,
    pub message: String,
}

/// `POST /api/threads/{slug}/comments`: a new comment. Unknown fields are refused, so a typo in
/// a client shows up as an error instead of silently dropped data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    #[serde(default)]
    pub parent_id: Option<CommentId>,
    #[serde(default)]
    pub author: Option<String>,
    #[serde(default)]
    pub subject: Option<String>,
    /// Markdown.
    pub body: String,
    #[serde(default)]
    pub signature: Option<String>,
    /// A honeypot: the widget's reply form has a "website" field that people never see, so
    /// never fill in. A comment that comes with it filled in is from a naive bot: the server
    /// answers as if it had accepted it, and stores nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
}

/// `PATCH /api/comments/{id}`: the fields an author may change within the edit window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CommentEdit {
    #[serde(default)]
    pub subject: Option<String>,
    /// Markdown.
    pub body: String,
}

/// `201` answer to a new comment: the comment as stored, and the secret that lets its author
/// edit or delete it for a short while.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedComment {
    pub comment: Comment,
    pub edit_token: String,
}

/// `201` answer to `POST /api/voters`: an anonymous voter identity, kept by the widget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewVoter {
    pub voter: String,
}

/// Answer to a vote or un-vote: the target's tally after it, and whether this voter is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VoteState {
    pub votes: u64,
    pub viewer_voted: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_response_has_the_documented_shape() {
        let response = ThreadResponse {
            thread: Thread {
                slug: "s".into(),
                title: Some("T".into()),
                url: None,
                votes: 2,
                viewer_voted: false,
            },
            comments: vec![Comment {
                id: 7,
                parent_id: None,
                author: "riverlover".into(),
                avatar: None,
                subject: None,
                body_html: "<p>hi</p>".into(),
                created_at: "2016-07-20T14:03:00Z".into(),
                edited_at: None,
                votes: 1,
                viewer_voted: true,
                signature: Some("bygorry".into()),
                deleted: false,
                held: false,
            }],
            version: 3,
        };
        let json = serde_json::to_value(&response).unwrap();
        let comment = &json["comments"][0];
        for key in [
            "id",
            "author",
            "body_html",
            "created_at",
            "votes",
            "viewer_voted",
            "signature",
        ] {
            assert!(comment.get(key).is_some(), "comment lacks {key}");
        }
        // What is none or false is left out, and read back as such.
        for key in [
            "parent_id",
            "avatar",
            "subject",
            "edited_at",
            "deleted",
            "held",
        ] {
            assert!(comment.get(key).is_none(), "comment has {key}");
        }
        let spelled_out: Comment = serde_json::from_str(
            r#"{"id":1,"parent_id":null,"author":"a","avatar":null,"subject":null,
                "body_html":"","created_at":"2016-07-20T14:03:00Z","edited_at":null,
                "votes":0,"viewer_voted":false,"signature":null,"deleted":false}"#,
        )
        .unwrap();
        let left_out: Comment = serde_json::from_str(
            r#"{"id":1,"author":"a","body_html":"","created_at":"2016-07-20T14:03:00Z","votes":0}"#,
        )
        .unwrap();
        assert_eq!(spelled_out, left_out);
        for key in ["slug", "title", "url", "votes", "viewer_voted"] {
            assert!(json["thread"].get(key).is_some(), "thread lacks {key}");
        }
        let back: ThreadResponse = serde_json::from_value(json).unwrap();
        assert_eq!(back, response);
    }

    #[test]
    fn new_comment_refuses_unknown_fields_and_needs_a_body() {
        let ok: NewComment = serde_json::from_str(r#"{"body":"x"}"#).unwrap();
        assert_eq!(ok.body, "x");
        assert!(serde_json::from_str::<NewComment>(r#"{"body":"x","admin":true}"#).is_err());
        assert!(serde_json::from_str::<NewComment>(r#"{"author":"a"}"#).is_err());
    }

    #[test]
    fn thread_events_are_tagged_by_type() {
        let event = ThreadEvent::ThreadVotes { votes: 4 };
        assert_eq!(
            serde_json::to_string(&event).unwrap(),
            r#"{"type":"thread_votes","votes":4}"#
        );
        let back: ThreadEvent =
            serde_json::from_str(r#"{"type":"thread_votes","votes":4}"#).unwrap();
        assert_eq!(back, event);
        // Read back whatever the order of the fields; a type without its field is refused.
        let back: ThreadEvent =
            serde_json::from_str(r#"{"votes":4,"type":"thread_votes"}"#).unwrap();
        assert_eq!(back, event);
        for wrong in [
            r#"{"type":"comment","votes":4}"#,
            r#"{"type":"thread_votes"}"#,
            r#"{"type":"unknown","votes":4}"#,
            r#"{"votes":4}"#,
        ] {
            assert!(
                serde_json::from_str::<ThreadEvent>(wrong).is_err(),
                "{wrong}"
            );
        }
    }
}

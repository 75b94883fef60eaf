//! The JSON bodies of the admin API (`/api/admin/...`), used by the `/admin` page and by site
//! owners' scripts. Apart from [`crate::wire`] because no embedded widget ever sees them.

use serde::{Deserialize, Serialize};

use crate::wire::CommentId;

/// A comment as the admin sees it: everything stored, whatever its state, with where it is
/// and who wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminComment {
    pub id: CommentId,
    /// The thread it is in.
    pub slug: String,
    pub parent_id: Option<CommentId>,
    pub author: String,
    pub subject: Option<String>,
    /// The Markdown as written (or as last edited).
    pub body: String,
    /// What readers see: rendered and sanitized by the server.
    pub body_html: String,
    pub created_at: String,
    pub edited_at: Option<String>,
    /// `published` or `held`.
    pub status: String,
    pub deleted: bool,
    pub votes: u64,
    /// The voter id of the author's browser, to block it; `None` if it sent none.
    pub voter: Option<String>,
    /// The salted hash of the author's network (hex), to block it; never the address itself.
    pub network: Option<String>,
}

/// `GET /api/admin/comments`: a page of comments, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminCommentPage {
    pub comments: Vec<AdminComment>,
    /// Pass as `before` for the next (older) page; `None` on the last page.
    pub next_before: Option<CommentId>,
}

/// What a block stops: the writes of one voter (browser) or of one network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum BlockKind {
    Voter,
    Network,
}

impl BlockKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BlockKind::Voter => "voter",
            BlockKind::Network => "network",
        }
    }
}

/// `POST /api/admin/blocks` and one entry of `GET /api/admin/blocks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Block {
    pub kind: BlockKind,
    /// A voter id or a network hash, as [`AdminComment`] shows them.
    pub target: String,
    /// When it was blocked; ignored in a request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
}

/// One entry of `GET /api/admin/log`: who did what to what, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminAction {
    pub id: i64,
    /// Always `admin`: there is one admin secret.
    pub actor: String,
    /// `approve`, `edit`, `delete`, `block` or `unblock`.
    pub action: String,
    /// `comment 12`, `voter <id>`, `network <hash>`.
    pub target: String,
    pub created_at: String,
}

/// `GET /api/admin/log`: a page of the log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminLogPage {
    pub actions: Vec<AdminAction>,
    pub next_before: Option<i64>,
}

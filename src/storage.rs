//! What the widget remembers in this browser (`localStorage`): the voter token, half-written
//! replies, the name and signature a reader used last, and the edit tokens of their comments.
//!
//! Storage can be missing or refuse (private modes, sandboxed frames, a full quota): then the
//! widget works as before and simply remembers nothing, so every access here is best effort.
//! What is stored and under which key is pure and tested natively; only [`get`], [`set`] and
//! [`remove`] touch the browser.

use std::collections::HashMap;

use caucus_model::CommentId;
use serde::{Deserialize, Serialize};

pub fn get(key: &str) -> Option<String> {
    let value = local_storage()?.get_item(key).ok()??;
    (!value.trim().is_empty()).then_some(value)
}

pub fn set(key: &str, value: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(key, value);
    }
}

pub fn remove(key: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(key);
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn get_json<T: for<'de> Deserialize<'de>>(key: &str) -> Option<T> {
    serde_json::from_str(&get(key)?).ok()
}

fn set_json<T: Serialize>(key: &str, value: &T) {
    if let Ok(json) = serde_json::to_string(value) {
        set(key, &json);
    }
}

/// The fields of a reply form, as typed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Draft {
    pub author: String,
    pub subject: String,
    pub body: String,
    pub signature: String,
}

impl Draft {
    /// Whether there is anything worth keeping: name and signature come back anyway.
    pub fn has_text(&self) -> bool {
        !self.subject.trim().is_empty() || !self.body.trim().is_empty()
    }
}

/// One draft per server, thread and parent (`None`: the form at the top of the thread).
pub fn draft_key(server: &str, slug: &str, parent: Option<CommentId>) -> String {
    let parent = parent.map_or_else(|| "top".to_owned(), |id| id.to_string());
    format!("caucus.draft:{server}|{slug}|{parent}")
}

/// The draft of this form, or a fresh form with the name and signature used last.
pub fn load_draft(key: &str) -> Draft {
    get_json(key).unwrap_or_else(|| {
        let me: Identity = get_json(IDENTITY_KEY).unwrap_or_default();
        Draft {
            author: me.author,
            signature: me.signature,
            ..Draft::default()
        }
    })
}

pub fn save_draft(key: &str, draft: &Draft) {
    if draft.has_text() {
        set_json(key, draft);
    } else {
        remove(key);
    }
}

/// After a send: the draft is done with, and the name and signature are remembered.
pub fn sent(key: &str, draft: &Draft) {
    remove(key);
    set_json(
        IDENTITY_KEY,
        &Identity {
            author: draft.author.clone(),
            signature: draft.signature.clone(),
        },
    );
}

/// The order the reader picked last. `localStorage` belongs to the host page's origin, so the
/// choice holds for every thread of that site and no other.
const SORT_KEY: &str = "caucus.sort";

pub fn load_sort() -> Option<caucus_model::SortOrder> {
    get(SORT_KEY)?.parse().ok()
}

pub fn save_sort(order: caucus_model::SortOrder) {
    set(SORT_KEY, order.as_str());
}

const IDENTITY_KEY: &str = "caucus.identity";

/// The name and signature a reader signed their last comment with.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
struct Identity {
    author: String,
    signature: String,
}

/// What lets the author edit or delete a comment: the server's edit token, until when it
/// works, and the Markdown they wrote (the API sends only the rendered HTML).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Authorship {
    pub edit_token: String,
    /// Milliseconds since the epoch, by this browser's clock.
    pub until_ms: f64,
    pub subject: String,
    pub body: String,
}

impl Authorship {
    pub fn is_open(&self, now_ms: f64) -> bool {
        now_ms < self.until_ms
    }
}

/// One entry per server: a map from comment id to [`Authorship`].
fn authorships_key(server: &str) -> String {
    format!("caucus.own:{server}")
}

/// The comments this browser may still edit on `server`.
pub fn load_authorships(server: &str, now_ms: f64) -> HashMap<CommentId, Authorship> {
    let mut all: HashMap<CommentId, Authorship> =
        get_json(&authorships_key(server)).unwrap_or_default();
    all.retain(|_, a| a.is_open(now_ms));
    all
}

/// Remembers (or, with `None`, forgets) what lets this browser edit comment `id`, dropping
/// entries whose window has closed so the entry never grows.
pub fn save_authorship(server: &str, id: CommentId, authorship: Option<&Authorship>, now_ms: f64) {
    let mut all = load_authorships(server, now_ms);
    match authorship {
        Some(a) => all.insert(id, a.clone()),
        None => all.remove(&id),
    };
    if all.is_empty() {
        remove(&authorships_key(server));
    } else {
        set_json(&authorships_key(server), &all);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_servers_threads_and_parents_apart() {
        let a = draft_key("https://c.example", "libya", None);
        let b = draft_key("https://c.example", "libya", Some(7));
        let c = draft_key("https://other.example", "libya", None);
        assert_eq!(a, "caucus.draft:https://c.example|libya|top");
        assert_eq!(b, "caucus.draft:https://c.example|libya|7");
        assert_ne!(a, c);
        assert_eq!(
            authorships_key("https://c.example"),
            "caucus.own:https://c.example"
        );
    }

    #[test]
    fn only_drafts_with_text_are_worth_keeping() {
        let mut draft = Draft {
            author: "riverlover".into(),
            signature: "bygorry".into(),
            ..Draft::default()
        };
        assert!(!draft.has_text());
        draft.body = "  \n ".into();
        assert!(!draft.has_text());
        draft.subject = "The $hill".into();
        assert!(draft.has_text());
    }

    #[test]
    fn drafts_round_trip_and_tolerate_old_shapes() {
        let draft = Draft {
            author: "a".into(),
            subject: "s".into(),
            body: "b\n\nä😀".into(),
            signature: "sig".into(),
        };
        let json = serde_json::to_string(&draft).unwrap();
        assert_eq!(serde_json::from_str::<Draft>(&json).unwrap(), draft);
        let partial: Draft = serde_json::from_str(r#"{"body":"only"}"#).unwrap();
        assert_eq!(partial.body, "only");
        assert_eq!(partial.author, "");
    }

    #[test]
    fn authorship_closes_with_its_window() {
        let mine = Authorship {
            edit_token: "t".into(),
            until_ms: 1_000.0,
            subject: String::new(),
            body: "b".into(),
        };
        assert!(mine.is_open(999.0));
        assert!(!mine.is_open(1_000.0));
        let mut all = HashMap::new();
        all.insert(7_i64, mine.clone());
        let json = serde_json::to_string(&all).unwrap();
        let back: HashMap<CommentId, Authorship> = serde_json::from_str(&json).unwrap();
        assert_eq!(back.get(&7), Some(&mine));
    }
}

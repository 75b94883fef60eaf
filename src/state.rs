//! One widget's thread state: a pure reducer the components only dispatch to.
//!
//! Comments are held normalized (id → comment) and the tree is derived from them
//! ([`ThreadIndex`]), so a change to one comment (a vote, an edit) touches one entry and a new
//! sort order is one rebuild, with no nested copy of the thread to keep in step. Big parts sit
//! behind `Rc`, so the clone every action starts with costs a few pointer copies, not a copy of
//! 5,000 comments. Nothing here touches the DOM or the network: the tests run natively.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;
use std::rc::Rc;

use caucus_model::{
    Comment, CommentId, IdHasher, IdMap, IdSet, SortOrder, Thread, ThreadEvent, ThreadIndex,
    ThreadResponse, VisibleComment, VoteState,
};
use yew::Reducible;

use crate::api::{ApiError, VoteTarget};
use crate::storage::Authorship;

/// Where the widget is with fetching its thread. Each state is rendered: never a blank widget.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FetchState {
    #[default]
    Loading,
    Ready,
    Failed(ApiError),
}

/// Every change to a thread's state.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// A request for the thread went out (first load or retry).
    Fetching,
    /// The server answered with the thread.
    Loaded(ThreadResponse),
    /// The request failed; the message is shown with a Retry button.
    Failed(ApiError),
    /// Hide or show everything below a comment.
    ToggleCollapse(CommentId),
    /// Order siblings differently; the tree is rebuilt from the comments already held.
    SetSort(SortOrder),
    /// The reader pressed "up" (`wanted`) or took the vote back: shown at once, before the
    /// server answers. A second press while one is on its way is ignored.
    VoteStarted {
        target: VoteTarget,
        wanted: bool,
    },
    /// The server answered a vote: its tally stands; a refusal rolls back to `previous` and
    /// says why next to the tally.
    VoteSettled {
        target: VoteTarget,
        previous: VoteState,
        result: Result<VoteState, ApiError>,
    },
    /// Open the reply form under a comment (one at a time), or close it.
    OpenReply(CommentId),
    CloseReply,
    /// What lets this browser edit its own recent comments (read from storage at start).
    Remember(HashMap<CommentId, Authorship>),
    /// The server stored a new comment: it takes its place in the tree, where focus goes.
    CommentPosted {
        comment: Comment,
        authorship: Authorship,
    },
    /// Open the author's edit form in place of a comment's body, or close it.
    StartEdit(CommentId),
    StopEdit,
    /// The server stored an edit; `authorship` holds the Markdown as now written.
    CommentEdited {
        comment: Comment,
        authorship: Authorship,
    },
    /// The server deleted a comment: it is gone, or a placeholder keeps its replies in place.
    CommentDeleted {
        id: CommentId,
        placeholder: Option<Comment>,
    },
    /// Something done to a comment failed; the message shows next to it.
    CommentActionFailed {
        id: CommentId,
        error: ApiError,
    },
    /// The comment that was to receive focus has it.
    Focused,
    /// "Continue this thread": show the replies held back below a deep comment.
    ContinueThread(CommentId),
    /// A link to one comment was opened (`#caucus-c123`): expand what hides it, highlight it
    /// and move focus (and so the view) to it. A comment this thread does not hold is ignored:
    /// the link may name another widget's comment on the same page.
    Reveal(CommentId),
    /// A change another reader (or this one) made, from the live stream: a comment the reader
    /// has is updated in place; one they do not have waits in [`ThreadState::new_comments`].
    Live(ThreadEvent),
    /// "2 new comments" pressed: the waiting comments take their places in the tree, and the
    /// first of them the focus.
    ShowNew,
    /// A new comment of this reader's went out (`true`) or came back, stored or refused
    /// (`false`). While one is on its way, one waiting comment may be it (its event can come
    /// before the answer), so it is not counted as new.
    Sending(bool),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ThreadState {
    pub fetch: FetchState,
    pub sort: SortOrder,
    /// The page's own thread (its vote); `None` until the first answer.
    thread: Option<Rc<Thread>>,
    comments: Rc<IdMap<Rc<Comment>>>,
    index: Rc<ThreadIndex>,
    collapsed: Rc<IdSet>,
    /// Votes sent and not yet answered.
    pending_votes: Rc<HashSet<VoteTarget, BuildHasherDefault<IdHasher>>>,
    /// The last thing that went wrong with a vote or an edit, and where to show it.
    problem: Option<(VoteTarget, ApiError)>,
    /// The comment whose reply form is open.
    pub replying_to: Option<CommentId>,
    /// The comment whose edit form is open.
    pub editing: Option<CommentId>,
    /// A comment that should take keyboard focus once rendered (a reply just sent).
    pub focus: Option<CommentId>,
    /// This browser's own recent comments, which it may edit or delete.
    own: Rc<IdMap<Rc<Authorship>>>,
    /// The comment a permalink pointed at.
    pub highlighted: Option<CommentId>,
    /// Deep comments whose replies the reader asked to see ("Continue this thread").
    continued: Rc<IdSet>,
    /// The thread's version when it was read: where live updates start.
    pub version: u64,
    /// Comments the live stream brought that the reader does not have yet, in arrival order.
    /// Nothing moves under the reader until they ask for them ([`Action::ShowNew`]).
    arrived: Rc<Vec<Rc<Comment>>>,
    /// This reader's new comments on their way to the server.
    sending: usize,
    /// Counts the changes: each state the reducer makes has a new number, so a view can tell
    /// a changed state from the same one without comparing every comment.
    pub generation: u64,
}

/// How deep the list goes before "Continue this thread": the replies below a comment at this
/// depth (and at every further multiple of it) wait until the reader asks for them, so a long
/// reply chain does not bury the rest of the thread. Indentation stops at the same depth.
pub const CONTINUE_DEPTH: usize = 6;

/// One comment of the list as the reader sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub id: CommentId,
    pub depth: usize,
    /// How many replies wait behind its "Continue this thread" (0: none do).
    pub held_back: usize,
}

impl ThreadState {
    pub fn new(sort: SortOrder) -> Self {
        ThreadState {
            sort,
            ..ThreadState::default()
        }
    }

    pub fn thread(&self) -> Option<&Rc<Thread>> {
        self.thread.as_ref()
    }

    pub fn comment(&self, id: CommentId) -> Option<&Rc<Comment>> {
        self.comments.get(&id)
    }

    /// The comments above `id`, nearest first. Stops at a parent this thread does not hold and
    /// at a cycle (the data may have one; the tree breaks it), so it always ends.
    pub fn ancestors(&self, id: CommentId) -> Vec<CommentId> {
        let mut seen = HashSet::from([id]);
        let mut above = Vec::new();
        let mut at = id;
        while let Some(parent) = self.comments.get(&at).and_then(|c| c.parent_id) {
            if !self.comments.contains_key(&parent) || !seen.insert(parent) {
                break;
            }
            above.push(parent);
            at = parent;
        }
        above
    }

    pub fn index(&self) -> &ThreadIndex {
        &self.index
    }

    /// The list in reading order: collapsed replies left out, and the replies below each
    /// deep comment held back until the reader continues there ([`CONTINUE_DEPTH`]).
    pub fn lines(&self) -> Vec<Line> {
        let mut out = Vec::new();
        let mut held_below: Option<usize> = None;
        for VisibleComment { id, depth } in self.index.visible(|id| self.is_collapsed(id)) {
            if let Some(cut) = held_below {
                if depth > cut {
                    continue;
                }
                held_below = None;
            }
            let held_back = if depth > 0
                && depth % CONTINUE_DEPTH == 0
                && !self.is_collapsed(id)
                && !self.continued.contains(&id)
            {
                self.index.descendant_count(id)
            } else {
                0
            };
            if held_back > 0 {
                held_below = Some(depth);
            }
            out.push(Line {
                id,
                depth,
                held_back,
            });
        }
        out
    }

    pub fn is_collapsed(&self, id: CommentId) -> bool {
        self.collapsed.contains(&id)
    }

    /// Comments a reader would count: deleted placeholders that only hold replies in place
    /// are not comments any more.
    pub fn comment_count(&self) -> usize {
        self.comments.values().filter(|c| !c.deleted).count()
    }

    /// What lets this browser edit comment `id`, if it wrote it.
    pub fn authorship(&self, id: CommentId) -> Option<&Rc<Authorship>> {
        self.own.get(&id)
    }

    /// How many new comments wait for the reader to show them: the "2 new comments" button.
    /// Placeholders of deleted comments do not count, nor, while this reader's own comment is
    /// on its way, as many waiting comments as may be it.
    pub fn new_comments(&self) -> usize {
        self.arrived
            .iter()
            .filter(|c| !c.deleted)
            .count()
            .saturating_sub(self.sending)
    }

    pub fn vote_pending(&self, target: VoteTarget) -> bool {
        self.pending_votes.contains(&target)
    }

    /// What last went wrong at `target`, if it is there (the view words it).
    pub fn problem_at(&self, target: VoteTarget) -> Option<&ApiError> {
        match &self.problem {
            Some((at, error)) if *at == target => Some(error),
            _ => None,
        }
    }

    fn vote_state(&self, target: VoteTarget) -> Option<VoteState> {
        match target {
            VoteTarget::Thread => self.thread.as_ref().map(|t| VoteState {
                votes: t.votes,
                viewer_voted: t.viewer_voted,
            }),
            VoteTarget::Comment(id) => self.comments.get(&id).map(|c| VoteState {
                votes: c.votes,
                viewer_voted: c.viewer_voted,
            }),
        }
    }

    /// Sets a tally in place. The tree is not re-sorted, even under "top": the page must not
    /// jump under the reader's pointer.
    fn set_vote(&mut self, target: VoteTarget, to: VoteState) {
        match target {
            VoteTarget::Thread => {
                if let Some(thread) = self.thread.as_mut() {
                    let thread = Rc::make_mut(thread);
                    thread.votes = to.votes;
                    thread.viewer_voted = to.viewer_voted;
                }
            }
            VoteTarget::Comment(id) => {
                if let Some(comment) = Rc::make_mut(&mut self.comments).get_mut(&id) {
                    let comment = Rc::make_mut(comment);
                    comment.votes = to.votes;
                    comment.viewer_voted = to.viewer_voted;
                }
            }
        }
    }

    fn rebuild_index(&mut self) {
        self.index = Rc::new(ThreadIndex::build(
            self.comments.values().map(Rc::as_ref),
            self.sort,
        ));
    }

    /// Puts a comment the server sent into the map (new or replacing), keeping the tree in
    /// step when its place in it may have changed.
    fn upsert(&mut self, comment: Comment) {
        let id = comment.id;
        let moved = self
            .comments
            .get(&id)
            .is_none_or(|old| old.parent_id != comment.parent_id);
        Rc::make_mut(&mut self.comments).insert(id, Rc::new(comment));
        if moved {
            self.rebuild_index();
        }
    }

    /// Expands what hides `id` (collapsed ancestors, "Continue this thread" above it).
    fn open_way_to(&mut self, id: CommentId) {
        let ancestors = self.ancestors(id);
        if ancestors.iter().any(|a| self.collapsed.contains(a)) {
            let collapsed = Rc::make_mut(&mut self.collapsed);
            for ancestor in &ancestors {
                collapsed.remove(ancestor);
            }
        }
        if ancestors.iter().any(|a| !self.continued.contains(a)) {
            Rc::make_mut(&mut self.continued).extend(ancestors);
        }
    }

    /// Applies one change from the live stream. Returns false when it changes nothing.
    fn apply(&mut self, event: ThreadEvent) -> bool {
        match event {
            ThreadEvent::ThreadVotes { votes } => {
                // A vote of this reader's on its way shows its own tally until the server's
                // answer replaces it.
                if self.vote_pending(VoteTarget::Thread) {
                    return false;
                }
                let Some(thread) = self.thread.as_mut() else {
                    return false;
                };
                if thread.votes == votes {
                    return false;
                }
                Rc::make_mut(thread).votes = votes;
                true
            }
            ThreadEvent::Comment { mut comment } => {
                let id = comment.id;
                if let Some(old) = self.comments.get(&id) {
                    // Events are the same for everyone: what this reader voted is theirs.
                    comment.viewer_voted = old.viewer_voted;
                    if self.vote_pending(VoteTarget::Comment(id)) {
                        comment.votes = old.votes;
                    }
                    if **old == comment {
                        return false;
                    }
                    self.upsert(comment);
                    return true;
                }
                let arrived = Rc::make_mut(&mut self.arrived);
                match arrived.iter_mut().find(|c| c.id == id) {
                    Some(waiting) => *waiting = Rc::new(comment),
                    None => arrived.push(Rc::new(comment)),
                }
                true
            }
        }
    }

    /// Puts the waiting comments into the tree and gives the first of them, in reading order,
    /// the focus; if every one of them is hidden (a collapsed or held-back branch), the way to
    /// the first is opened, as a permalink would.
    fn show_new(&mut self) -> bool {
        if self.arrived.is_empty() {
            return false;
        }
        let arrived = std::mem::take(Rc::make_mut(&mut self.arrived));
        let new: HashSet<CommentId> = arrived.iter().map(|c| c.id).collect();
        let comments = Rc::make_mut(&mut self.comments);
        for comment in arrived {
            comments.insert(comment.id, comment);
        }
        self.rebuild_index();
        let shown = self.lines().into_iter().find(|line| new.contains(&line.id));
        let first = match shown {
            Some(line) => Some(line.id),
            None => {
                let first = self
                    .index
                    .visible(|_| false)
                    .into_iter()
                    .find(|c| new.contains(&c.id))
                    .map(|c| c.id);
                if let Some(id) = first {
                    self.open_way_to(id);
                }
                first
            }
        };
        if first.is_some() {
            self.focus = first;
        }
        true
    }

    fn load(&mut self, response: ThreadResponse) {
        let ThreadResponse {
            thread,
            comments,
            version,
        } = response;
        self.version = version;
        // The fresh answer holds everything that was waiting.
        self.arrived = Rc::default();
        let comments: IdMap<Rc<Comment>> =
            comments.into_iter().map(|c| (c.id, Rc::new(c))).collect();
        self.comments = Rc::new(comments);
        self.rebuild_index();
        let comments = &self.comments;
        // Keep what the reader collapsed across a reload, minus comments that are gone.
        if self.collapsed.iter().any(|id| !comments.contains_key(id)) {
            self.collapsed = Rc::new(
                self.collapsed
                    .iter()
                    .copied()
                    .filter(|id| comments.contains_key(id))
                    .collect(),
            );
        }
        self.thread = Some(Rc::new(thread));
        self.fetch = FetchState::Ready;
    }
}

impl Reducible for ThreadState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Fetching => next.fetch = FetchState::Loading,
            Action::Loaded(response) => next.load(response),
            Action::Failed(error) => next.fetch = FetchState::Failed(error),
            Action::ToggleCollapse(id) => {
                // Only a comment with replies can be collapsed; anything else is a stale click.
                if self.index.descendant_count(id) == 0 && !self.collapsed.contains(&id) {
                    return self;
                }
                let collapsed = Rc::make_mut(&mut next.collapsed);
                if !collapsed.remove(&id) {
                    collapsed.insert(id);
                }
            }
            Action::SetSort(sort) => {
                if sort == self.sort {
                    return self;
                }
                next.sort = sort;
                next.rebuild_index();
            }
            Action::VoteStarted { target, wanted } => {
                let Some(now) = self.vote_state(target) else {
                    return self;
                };
                if self.vote_pending(target) {
                    return self;
                }
                Rc::make_mut(&mut next.pending_votes).insert(target);
                next.problem = None;
                let votes = match (wanted, now.viewer_voted) {
                    (true, false) => now.votes.saturating_add(1),
                    (false, true) => now.votes.saturating_sub(1),
                    _ => now.votes,
                };
                next.set_vote(
                    target,
                    VoteState {
                        votes,
                        viewer_voted: wanted,
                    },
                );
            }
            Action::VoteSettled {
                target,
                previous,
                result,
            } => {
                Rc::make_mut(&mut next.pending_votes).remove(&target);
                match result {
                    Ok(state) => next.set_vote(target, state),
                    Err(error) => {
                        next.set_vote(target, previous);
                        next.problem = Some((target, error));
                    }
                }
            }
            Action::OpenReply(id) => {
                if !self.comments.contains_key(&id) {
                    return self;
                }
                next.replying_to = Some(id);
            }
            Action::CloseReply => next.replying_to = None,
            Action::Remember(own) => {
                next.own = Rc::new(own.into_iter().map(|(id, a)| (id, Rc::new(a))).collect());
            }
            Action::CommentPosted {
                comment,
                authorship,
            } => {
                let id = comment.id;
                Rc::make_mut(&mut next.own).insert(id, Rc::new(authorship));
                // Its event may have come first: it is this reader's, not a new one.
                if next.arrived.iter().any(|c| c.id == id) {
                    Rc::make_mut(&mut next.arrived).retain(|c| c.id != id);
                }
                if let Some(parent) = comment.parent_id {
                    // The reply must be seen: open its parent if the reader had collapsed it.
                    if next.collapsed.contains(&parent) {
                        Rc::make_mut(&mut next.collapsed).remove(&parent);
                    }
                    if next.replying_to == Some(parent) {
                        next.replying_to = None;
                    }
                }
                next.upsert(comment);
                next.focus = Some(id);
            }
            Action::StartEdit(id) => {
                if !self.comments.contains_key(&id) {
                    return self;
                }
                next.editing = Some(id);
                next.problem = None;
            }
            Action::StopEdit => next.editing = None,
            Action::CommentEdited {
                comment,
                authorship,
            } => {
                Rc::make_mut(&mut next.own).insert(comment.id, Rc::new(authorship));
                if next.editing == Some(comment.id) {
                    next.editing = None;
                }
                next.focus = Some(comment.id);
                next.upsert(comment);
            }
            Action::CommentDeleted { id, placeholder } => {
                Rc::make_mut(&mut next.own).remove(&id);
                if next.editing == Some(id) {
                    next.editing = None;
                }
                match placeholder {
                    Some(comment) => next.upsert(comment),
                    None => {
                        Rc::make_mut(&mut next.comments).remove(&id);
                        next.rebuild_index();
                    }
                }
            }
            Action::CommentActionFailed { id, error } => {
                next.problem = Some((VoteTarget::Comment(id), error));
            }
            Action::Focused => next.focus = None,
            Action::ContinueThread(id) => {
                let Some(&first) = self.index.children(id).first() else {
                    return self;
                };
                Rc::make_mut(&mut next.continued).insert(id);
                // The reader asked to read on: the first reply held back takes the focus.
                next.focus = Some(first);
            }
            Action::Reveal(id) => {
                if !self.comments.contains_key(&id) {
                    return self;
                }
                next.open_way_to(id);
                next.highlighted = Some(id);
                next.focus = Some(id);
            }
            Action::Live(event) => {
                if !next.apply(event) {
                    return self;
                }
            }
            Action::ShowNew => {
                if !next.show_new() {
                    return self;
                }
            }
            Action::Sending(true) => next.sending = next.sending.saturating_add(1),
            Action::Sending(false) => next.sending = next.sending.saturating_sub(1),
        }
        next.generation = self.generation.wrapping_add(1);
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use caucus_model::VisibleComment;

    fn comment(id: CommentId, parent_id: Option<CommentId>, minute: u32, votes: u64) -> Comment {
        Comment {
            id,
            parent_id,
            author: format!("author {id}"),
            avatar: None,
            subject: None,
            body_html: format!("<p>body {id}</p>"),
            created_at: format!("2016-07-20T14:{minute:02}:00Z"),
            edited_at: None,
            votes,
            viewer_voted: false,
            signature: None,
            deleted: false,
            held: false,
        }
    }

    fn response(comments: Vec<Comment>) -> ThreadResponse {
        ThreadResponse {
            thread: Thread {
                slug: "s".into(),
                title: None,
                url: None,
                votes: 0,
                viewer_voted: false,
            },
            comments,
            version: 0,
        }
    }

    /// 1 ─ 2 ─ 3, and 4 ─ 5; 4 has the most votes.
    fn loaded() -> Rc<ThreadState> {
        let state = Rc::new(ThreadState::new(SortOrder::Oldest));
        state.reduce(Action::Loaded(response(vec![
            comment(1, None, 0, 0),
            comment(2, Some(1), 1, 0),
            comment(3, Some(2), 2, 0),
            comment(4, None, 3, 5),
            comment(5, Some(4), 4, 0),
        ])))
    }

    fn visible(state: &ThreadState) -> Vec<(CommentId, usize)> {
        state
            .index()
            .visible(|id| state.is_collapsed(id))
            .into_iter()
            .map(|VisibleComment { id, depth }| (id, depth))
            .collect()
    }

    #[test]
    fn starts_loading_then_holds_the_thread() {
        let state = Rc::new(ThreadState::new(SortOrder::Oldest));
        assert_eq!(state.fetch, FetchState::Loading);
        let state = loaded();
        assert_eq!(state.fetch, FetchState::Ready);
        assert_eq!(state.comment_count(), 5);
        assert_eq!(
            visible(&state),
            vec![(1, 0), (2, 1), (3, 2), (4, 0), (5, 1)]
        );
        assert_eq!(
            state.comment(3).map(|c| c.author.as_str()),
            Some("author 3")
        );
        assert_eq!(state.thread().map(|t| t.slug.as_str()), Some("s"));
    }

    #[test]
    fn failure_and_retry() {
        let state = Rc::new(ThreadState::new(SortOrder::Oldest));
        let state = state.reduce(Action::Failed(ApiError::Network));
        assert_eq!(state.fetch, FetchState::Failed(ApiError::Network));
        let state = state.reduce(Action::Fetching);
        assert_eq!(state.fetch, FetchState::Loading);
    }

    #[test]
    fn collapse_hides_every_generation_and_toggles_back() {
        let state = loaded().reduce(Action::ToggleCollapse(1));
        assert!(state.is_collapsed(1));
        assert_eq!(visible(&state), vec![(1, 0), (4, 0), (5, 1)]);
        let state = state.reduce(Action::ToggleCollapse(1));
        assert!(!state.is_collapsed(1));
        assert_eq!(visible(&state).len(), 5);
    }

    #[test]
    fn collapsing_a_leaf_or_an_unknown_comment_changes_nothing() {
        let before = loaded();
        for id in [3, 99] {
            let after = before.clone().reduce(Action::ToggleCollapse(id));
            assert!(Rc::ptr_eq(&before, &after), "{id}");
        }
    }

    #[test]
    fn sorting_rebuilds_the_tree_from_the_same_comments() {
        let state = loaded().reduce(Action::ToggleCollapse(1));
        let top = state.reduce(Action::SetSort(SortOrder::Top));
        assert_eq!(top.sort, SortOrder::Top);
        assert_eq!(visible(&top), vec![(4, 0), (5, 1), (1, 0)]);
        assert!(
            top.is_collapsed(1),
            "sorting keeps what the reader collapsed"
        );
        let same = top.clone().reduce(Action::SetSort(SortOrder::Top));
        assert!(Rc::ptr_eq(&top, &same));
    }

    #[test]
    fn a_reload_keeps_collapse_for_comments_that_remain() {
        let state = loaded()
            .reduce(Action::ToggleCollapse(1))
            .reduce(Action::ToggleCollapse(4))
            .reduce(Action::Fetching)
            .reduce(Action::Loaded(response(vec![
                comment(1, None, 0, 0),
                comment(2, Some(1), 1, 0),
            ])));
        assert!(state.is_collapsed(1));
        assert!(!state.is_collapsed(4));
        assert_eq!(state.fetch, FetchState::Ready);
    }

    #[test]
    fn deleted_placeholders_are_not_counted() {
        let mut gone = comment(1, None, 0, 0);
        gone.deleted = true;
        let state =
            Rc::new(ThreadState::new(SortOrder::Oldest)).reduce(Action::Loaded(response(vec![
                gone,
                comment(2, Some(1), 1, 0),
            ])));
        assert_eq!(state.comment_count(), 1);
        assert_eq!(visible(&state), vec![(1, 0), (2, 1)]);
    }

    #[test]
    fn hostile_data_does_not_panic() {
        // Duplicate ids, cycles, self-parents, absurd numbers and timestamps.
        let mut odd = comment(7, Some(7), 0, u64::MAX);
        odd.created_at = "not a date".into();
        let state =
            Rc::new(ThreadState::new(SortOrder::Top)).reduce(Action::Loaded(response(vec![
                comment(1, Some(2), 0, 0),
                comment(2, Some(1), 1, 0),
                comment(2, None, 1, 0),
                odd,
                comment(i64::MIN, Some(i64::MAX), 0, 0),
            ])));
        let lines = visible(&state);
        assert_eq!(lines.len(), 4);
        for (id, _) in lines {
            let _ = state.reduce_clone_toggle(id);
        }
    }

    fn mine(body: &str) -> Authorship {
        Authorship {
            edit_token: "token".into(),
            until_ms: 1e15,
            subject: String::new(),
            body: body.into(),
        }
    }

    #[test]
    fn remembered_authorship_is_held_by_id() {
        let mut own = HashMap::new();
        own.insert(3, mine("mine"));
        let state = loaded().reduce(Action::Remember(own));
        assert!(state.authorship(3).is_some());
        assert!(state.authorship(4).is_none());
    }

    fn votes_of(state: &ThreadState, id: CommentId) -> (u64, bool) {
        let c = state.comment(id).unwrap();
        (c.votes, c.viewer_voted)
    }

    #[test]
    fn a_vote_shows_at_once_and_the_server_answer_stands() {
        let target = VoteTarget::Comment(4);
        let state = loaded().reduce(Action::VoteStarted {
            target,
            wanted: true,
        });
        assert_eq!(votes_of(&state, 4), (6, true));
        assert!(state.vote_pending(target));
        // A second press while the first is on its way changes nothing.
        let again = state.clone().reduce(Action::VoteStarted {
            target,
            wanted: false,
        });
        assert!(Rc::ptr_eq(&state, &again));
        // The server counted someone else's vote meanwhile: its tally wins.
        let state = state.reduce(Action::VoteSettled {
            target,
            previous: VoteState {
                votes: 5,
                viewer_voted: false,
            },
            result: Ok(VoteState {
                votes: 7,
                viewer_voted: true,
            }),
        });
        assert_eq!(votes_of(&state, 4), (7, true));
        assert!(!state.vote_pending(target));
        assert_eq!(state.problem_at(target), None);
    }

    #[test]
    fn a_refused_vote_rolls_back_and_says_why() {
        let target = VoteTarget::Comment(4);
        let previous = VoteState {
            votes: 5,
            viewer_voted: false,
        };
        let state = loaded()
            .reduce(Action::VoteStarted {
                target,
                wanted: true,
            })
            .reduce(Action::VoteSettled {
                target,
                previous,
                result: Err(ApiError::Server {
                    status: 429,
                    code: "rate_limited".into(),
                    message: "Too many votes. Try again in 30 seconds.".into(),
                }),
            });
        assert_eq!(votes_of(&state, 4), (5, false));
        assert_eq!(
            state.problem_at(target).map(ApiError::to_string).as_deref(),
            Some("Too many votes. Try again in 30 seconds.")
        );
        assert_eq!(state.problem_at(VoteTarget::Thread), None);
        // The next vote clears the message.
        let state = state.reduce(Action::VoteStarted {
            target,
            wanted: true,
        });
        assert_eq!(state.problem_at(target), None);
    }

    #[test]
    fn un_voting_never_goes_below_zero_and_the_page_vote_works_alike() {
        let state = loaded().reduce(Action::VoteStarted {
            target: VoteTarget::Comment(1),
            wanted: false,
        });
        assert_eq!(votes_of(&state, 1), (0, false));
        let state = state.reduce(Action::VoteStarted {
            target: VoteTarget::Thread,
            wanted: true,
        });
        let thread = state.thread().unwrap();
        assert_eq!((thread.votes, thread.viewer_voted), (1, true));
        // A vote for a comment the state does not hold is a stale click.
        let before = state.clone();
        let after = state.reduce(Action::VoteStarted {
            target: VoteTarget::Comment(99),
            wanted: true,
        });
        assert!(Rc::ptr_eq(&before, &after));
    }

    #[test]
    fn votes_do_not_reorder_the_top_sort_under_the_reader() {
        let state = loaded().reduce(Action::SetSort(SortOrder::Top));
        let before = visible(&state);
        let state = state.reduce(Action::VoteStarted {
            target: VoteTarget::Comment(1),
            wanted: true,
        });
        assert_eq!(visible(&state), before);
    }

    #[test]
    fn a_posted_reply_takes_its_place_opens_its_parent_and_gets_focus() {
        let state = loaded()
            .reduce(Action::ToggleCollapse(2))
            .reduce(Action::OpenReply(2));
        assert_eq!(state.replying_to, Some(2));
        let state = state.reduce(Action::CommentPosted {
            comment: comment(6, Some(2), 9, 0),
            authorship: mine("reply"),
        });
        assert_eq!(state.authorship(6).map(|a| a.body.as_str()), Some("reply"));
        assert_eq!(state.replying_to, None);
        assert!(!state.is_collapsed(2));
        assert_eq!(state.focus, Some(6));
        assert_eq!(
            visible(&state),
            vec![(1, 0), (2, 1), (3, 2), (6, 2), (4, 0), (5, 1)]
        );
        assert_eq!(state.comment_count(), 6);
        let state = state.reduce(Action::Focused);
        assert_eq!(state.focus, None);
        // A top-level comment goes to the top level.
        let state = state.reduce(Action::CommentPosted {
            comment: comment(7, None, 10, 0),
            authorship: mine("top"),
        });
        assert_eq!(visible(&state).last(), Some(&(7, 0)));
    }

    #[test]
    fn edits_replace_and_deletes_remove_or_leave_a_placeholder() {
        let state = loaded().reduce(Action::StartEdit(3));
        assert_eq!(state.editing, Some(3));
        let mut edited = comment(3, Some(2), 2, 0);
        edited.body_html = "<p>better</p>".into();
        edited.edited_at = Some("2016-07-20T15:00:00Z".into());
        let state = state.reduce(Action::CommentEdited {
            comment: edited,
            authorship: mine("better"),
        });
        assert_eq!(state.editing, None);
        assert_eq!(state.authorship(3).map(|a| a.body.as_str()), Some("better"));
        assert_eq!(state.comment(3).unwrap().body_html, "<p>better</p>");

        let state = state.reduce(Action::CommentDeleted {
            id: 3,
            placeholder: None,
        });
        assert!(state.comment(3).is_none());
        assert!(state.authorship(3).is_none());
        assert_eq!(visible(&state), vec![(1, 0), (2, 1), (4, 0), (5, 1)]);

        let mut placeholder = comment(4, None, 3, 0);
        placeholder.deleted = true;
        let state = state.reduce(Action::CommentDeleted {
            id: 4,
            placeholder: Some(placeholder),
        });
        assert!(state.comment(4).unwrap().deleted);
        assert_eq!(visible(&state), vec![(1, 0), (2, 1), (4, 0), (5, 1)]);
        assert_eq!(state.comment_count(), 3);

        let state = state.reduce(Action::CommentActionFailed {
            id: 5,
            error: ApiError::Network,
        });
        assert!(state.problem_at(VoteTarget::Comment(5)).is_some());
    }

    impl ThreadState {
        fn reduce_clone_toggle(&self, id: CommentId) -> Rc<ThreadState> {
            Rc::new(self.clone()).reduce(Action::ToggleCollapse(id))
        }
    }

    #[test]
    fn a_permalink_expands_what_hides_its_comment_and_highlights_it() {
        let state = loaded()
            .reduce(Action::ToggleCollapse(1))
            .reduce(Action::ToggleCollapse(2))
            .reduce(Action::ToggleCollapse(4));
        assert_eq!(visible(&state), vec![(1, 0), (4, 0)]);
        let state = state.reduce(Action::Reveal(3));
        assert_eq!(visible(&state), vec![(1, 0), (2, 1), (3, 2), (4, 0)]);
        assert!(
            state.is_collapsed(4),
            "other collapses stay as the reader left them"
        );
        assert_eq!(state.highlighted, Some(3));
        assert_eq!(state.focus, Some(3));
        assert_eq!(state.ancestors(3), vec![2, 1]);
    }

    #[test]
    fn a_permalink_to_another_thread_changes_nothing() {
        let before = loaded();
        let after = before.clone().reduce(Action::Reveal(99));
        assert!(Rc::ptr_eq(&before, &after));
    }

    #[test]
    fn ancestors_end_at_a_cycle() {
        let state =
            Rc::new(ThreadState::new(SortOrder::Oldest)).reduce(Action::Loaded(response(vec![
                comment(1, Some(2), 0, 0),
                comment(2, Some(1), 1, 0),
                comment(3, Some(1), 2, 0),
            ])));
        assert_eq!(state.ancestors(3), vec![1, 2]);
        let state = state.reduce(Action::Reveal(3));
        assert_eq!(state.highlighted, Some(3));
    }

    /// A chain 0 ─ 1 ─ … ─ (n-1), ids from 1, each the reply of the one before.
    fn chain(n: i64) -> Rc<ThreadState> {
        let comments = (1..=n)
            .map(|id| comment(id, (id > 1).then(|| id - 1), (id % 60) as u32, 0))
            .collect();
        Rc::new(ThreadState::new(SortOrder::Oldest)).reduce(Action::Loaded(response(comments)))
    }

    #[test]
    fn deep_replies_wait_behind_continue_this_thread() {
        let state = chain(15);
        let lines = state.lines();
        // Depths 0..=6 show; the comment at depth 6 holds back the 8 below it.
        assert_eq!(lines.len(), CONTINUE_DEPTH + 1);
        let last = lines[CONTINUE_DEPTH];
        assert_eq!((last.id, last.depth, last.held_back), (7, 6, 8));
        assert!(lines[..CONTINUE_DEPTH].iter().all(|l| l.held_back == 0));

        // Continuing shows the next stretch, up to the next cap, and moves focus there.
        let state = state.reduce(Action::ContinueThread(7));
        assert_eq!(state.focus, Some(8));
        let lines = state.lines();
        assert_eq!(lines.len(), 2 * CONTINUE_DEPTH + 1);
        assert_eq!(lines.last().map(|l| (l.id, l.held_back)), Some((13, 2)));

        // A collapsed comment at the cap hides its replies the ordinary way.
        let state = chain(15).reduce(Action::ToggleCollapse(7));
        assert_eq!(state.lines().last().map(|l| l.held_back), Some(0));
        // A leaf at the cap holds nothing back; continuing it changes nothing.
        let short = chain(7);
        assert_eq!(short.lines().last().map(|l| l.held_back), Some(0));
        let again = short.clone().reduce(Action::ContinueThread(7));
        assert!(Rc::ptr_eq(&short, &again));
    }

    #[test]
    fn a_permalink_reaches_past_the_cap() {
        let state = chain(15).reduce(Action::Reveal(14));
        let lines = state.lines();
        assert!(lines.iter().any(|l| l.id == 14), "{lines:?}");
        assert_eq!(state.focus, Some(14));
    }

    fn live(comment: Comment) -> Action {
        Action::Live(ThreadEvent::Comment { comment })
    }

    #[test]
    fn a_live_change_to_a_comment_the_reader_has_is_made_in_place() {
        let state = loaded().reduce(Action::SetSort(SortOrder::Top));
        let before = visible(&state);
        // This reader voted for 1 (the server's event never says so: it is for everyone).
        let state = state
            .reduce(Action::VoteStarted {
                target: VoteTarget::Comment(1),
                wanted: true,
            })
            .reduce(Action::VoteSettled {
                target: VoteTarget::Comment(1),
                previous: VoteState {
                    votes: 0,
                    viewer_voted: false,
                },
                result: Ok(VoteState {
                    votes: 1,
                    viewer_voted: true,
                }),
            });
        let mut tallied = comment(1, None, 0, 9);
        tallied.body_html = "<p>edited elsewhere</p>".into();
        tallied.edited_at = Some("2016-07-20T15:00:00Z".into());
        let state = state.reduce(live(tallied));
        assert_eq!(
            votes_of(&state, 1),
            (9, true),
            "the reader's own vote stays"
        );
        assert_eq!(
            state.comment(1).unwrap().body_html,
            "<p>edited elsewhere</p>"
        );
        assert_eq!(visible(&state), before, "nothing moves, even under top");
        assert_eq!(state.new_comments(), 0);

        // Deleted elsewhere: its placeholder takes its place; its replies stay.
        let mut gone = comment(2, Some(1), 1, 0);
        gone.deleted = true;
        let state = state.reduce(live(gone));
        assert!(state.comment(2).unwrap().deleted);
        assert_eq!(visible(&state), before);

        // The same change twice is nothing.
        let again = state
            .clone()
            .reduce(live(state.comment(2).unwrap().as_ref().clone()));
        assert!(Rc::ptr_eq(&state, &again));
    }

    #[test]
    fn a_live_tally_never_undoes_a_vote_on_its_way() {
        let target = VoteTarget::Comment(4);
        let state = loaded().reduce(Action::VoteStarted {
            target,
            wanted: true,
        });
        assert_eq!(votes_of(&state, 4), (6, true));
        // Somebody else's vote arrives (counted before ours): the optimistic tally stays.
        let state = state.reduce(live(comment(4, None, 3, 6)));
        assert_eq!(votes_of(&state, 4), (6, true));
        let state = state.reduce(Action::VoteSettled {
            target,
            previous: VoteState {
                votes: 5,
                viewer_voted: false,
            },
            result: Ok(VoteState {
                votes: 7,
                viewer_voted: true,
            }),
        });
        assert_eq!(votes_of(&state, 4), (7, true));
        // Later events set the tally and keep the reader's vote.
        let state = state.reduce(live(comment(4, None, 3, 8)));
        assert_eq!(votes_of(&state, 4), (8, true));
    }

    #[test]
    fn the_pages_tally_follows_the_stream_but_not_over_a_vote_on_its_way() {
        let state = loaded().reduce(Action::Live(ThreadEvent::ThreadVotes { votes: 3 }));
        let thread = state.thread().unwrap();
        assert_eq!((thread.votes, thread.viewer_voted), (3, false));
        let state = state.reduce(Action::VoteStarted {
            target: VoteTarget::Thread,
            wanted: true,
        });
        let state = state.reduce(Action::Live(ThreadEvent::ThreadVotes { votes: 10 }));
        let thread = state.thread().unwrap();
        assert_eq!((thread.votes, thread.viewer_voted), (4, true));
    }

    #[test]
    fn new_comments_wait_until_the_reader_asks_for_them() {
        let state = loaded().reduce(Action::Loaded(ThreadResponse {
            version: 12,
            ..response(vec![
                comment(1, None, 0, 0),
                comment(2, Some(1), 1, 0),
                comment(3, Some(2), 2, 0),
                comment(4, None, 3, 5),
                comment(5, Some(4), 4, 0),
            ])
        }));
        assert_eq!(state.version, 12);
        let before = visible(&state);
        let state = state
            .reduce(live(comment(7, Some(4), 20, 0)))
            .reduce(live(comment(6, None, 10, 0)));
        assert_eq!(state.new_comments(), 2);
        assert_eq!(
            visible(&state),
            before,
            "nothing is inserted before the press"
        );
        assert!(state.comment(6).is_none());
        assert_eq!(state.comment_count(), 5);
        // An edit of a waiting comment replaces it there, and counts once.
        let state = state.reduce(live(comment(6, None, 10, 1)));
        assert_eq!(state.new_comments(), 2);

        let state = state.reduce(Action::ShowNew);
        assert_eq!(state.new_comments(), 0);
        assert_eq!(
            visible(&state),
            vec![(1, 0), (2, 1), (3, 2), (4, 0), (5, 1), (7, 1), (6, 0)]
        );
        assert_eq!(state.comment(6).unwrap().votes, 1);
        // The first new comment in reading order takes the focus.
        assert_eq!(state.focus, Some(7));
        let same = state.clone().reduce(Action::ShowNew);
        assert!(Rc::ptr_eq(&state, &same));
    }

    #[test]
    fn the_readers_own_comment_is_never_new_whichever_comes_first() {
        // The answer to the POST first, then its event.
        let state = loaded().reduce(Action::Sending(true));
        let state = state
            .reduce(Action::CommentPosted {
                comment: comment(6, Some(1), 9, 0),
                authorship: mine("mine"),
            })
            .reduce(Action::Sending(false))
            .reduce(live(comment(6, Some(1), 9, 0)));
        assert_eq!(state.new_comments(), 0);
        assert_eq!(state.comment_count(), 6);

        // The event first: while the POST is on its way it is not counted, and its answer
        // takes it out of the waiting list.
        let state = loaded()
            .reduce(Action::Sending(true))
            .reduce(live(comment(6, Some(1), 9, 0)));
        assert_eq!(state.new_comments(), 0);
        let state = state
            .reduce(Action::CommentPosted {
                comment: comment(6, Some(1), 9, 0),
                authorship: mine("mine"),
            })
            .reduce(Action::Sending(false));
        assert_eq!(state.new_comments(), 0);
        assert_eq!(state.comment_count(), 6);
        let state = state.reduce(Action::ShowNew);
        assert_eq!(state.comment_count(), 6);

        // Somebody else's comment during the send shows once the send is over.
        let state = loaded()
            .reduce(Action::Sending(true))
            .reduce(live(comment(8, None, 30, 0)))
            .reduce(Action::Sending(false));
        assert_eq!(state.new_comments(), 1);
        // And a send that failed gives the count back too (Sending(false) without a post).
        let state = loaded()
            .reduce(Action::Sending(true))
            .reduce(live(comment(8, None, 30, 0)));
        assert_eq!(state.new_comments(), 0);
        assert_eq!(state.reduce(Action::Sending(false)).new_comments(), 1);
    }

    #[test]
    fn new_replies_behind_a_collapse_or_continue_count_and_open_the_way() {
        let state = loaded().reduce(Action::ToggleCollapse(1));
        let state = state.reduce(live(comment(6, Some(3), 9, 0)));
        assert_eq!(state.new_comments(), 1);
        let state = state.reduce(Action::ShowNew);
        assert_eq!(state.focus, Some(6));
        assert!(
            !state.is_collapsed(1),
            "the way to the only new reply is opened"
        );
        assert_eq!(
            visible(&state),
            vec![(1, 0), (2, 1), (3, 2), (6, 3), (4, 0), (5, 1)]
        );

        // Below "Continue this thread": a reply to the 15th of a chain.
        let state = chain(15).reduce(live(comment(16, Some(15), 59, 0)));
        assert_eq!(state.new_comments(), 1);
        let state = state.reduce(Action::ShowNew);
        assert_eq!(state.focus, Some(16));
        assert!(state.lines().iter().any(|l| l.id == 16));

        // A visible new comment beside a hidden one: the visible one takes focus and the
        // reader's collapse stays.
        let state = loaded()
            .reduce(Action::ToggleCollapse(1))
            .reduce(live(comment(6, Some(3), 9, 0)))
            .reduce(live(comment(7, Some(5), 9, 0)))
            .reduce(Action::ShowNew);
        assert_eq!(state.focus, Some(7));
        assert!(state.is_collapsed(1));
        assert_eq!(state.index().descendant_count(1), 3);
    }

    #[test]
    fn waiting_placeholders_are_not_new_and_a_reload_takes_what_waited() {
        let mut gone = comment(6, None, 9, 0);
        gone.deleted = true;
        let state = loaded().reduce(live(gone));
        assert_eq!(state.new_comments(), 0);
        let state = state
            .reduce(live(comment(7, None, 10, 0)))
            .reduce(Action::Fetching)
            .reduce(Action::Loaded(response(vec![comment(7, None, 10, 0)])));
        assert_eq!(state.new_comments(), 0);
        assert_eq!(state.comment_count(), 1);
    }
}

//! The comment tree, derived from the flat list the API sends.
//!
//! The server stores and sends comments flat, each naming its parent. [`ThreadIndex::build`]
//! turns that into children-by-parent with one sort and one pass, and keeps three promises
//! whatever the data looks like (tested by property tests below):
//!
//! - every comment appears exactly once: a comment whose parent is missing (deleted, from
//!   another thread, never existed) is shown at the top level;
//! - a cycle (`a -> b -> a`, or a comment that is its own parent) never hangs or panics: the
//!   walk breaks it by promoting one of its comments to the top level;
//! - depth is unlimited: nothing here recurses, so a 100,000-deep reply chain is fine. Capping
//!   indentation is the view's business, not the data's.
//!
//! The sort order applies at every level: under "top", the best replies come first too.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::wire::{Comment, CommentId};

/// How siblings are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    /// Oldest first: the conversation as it happened. The default.
    #[default]
    Oldest,
    /// Newest first.
    Newest,
    /// Most votes first; ties oldest first.
    Top,
}

impl SortOrder {
    pub const ALL: [SortOrder; 3] = [SortOrder::Oldest, SortOrder::Newest, SortOrder::Top];

    /// Which of two comments comes first in this order (the server's `ORDER BY` says the same).
    pub fn compare(self, a: &Comment, b: &Comment) -> std::cmp::Ordering {
        match self {
            SortOrder::Oldest => chronological(a, b),
            SortOrder::Newest => chronological(b, a),
            SortOrder::Top => b.votes.cmp(&a.votes).then_with(|| chronological(a, b)),
        }
    }

    /// The name used in URLs (`?sort=top`) and in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Oldest => "oldest",
            SortOrder::Newest => "newest",
            SortOrder::Top => "top",
        }
    }
}

impl fmt::Display for SortOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a sort name that is none of `oldest`, `newest`, `top`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSortOrder(pub String);

impl fmt::Display for UnknownSortOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown sort order {:?}: use oldest, newest or top",
            self.0
        )
    }
}

impl std::error::Error for UnknownSortOrder {}

impl FromStr for SortOrder {
    type Err = UnknownSortOrder;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SortOrder::ALL
            .into_iter()
            .find(|order| order.as_str() == s)
            .ok_or_else(|| UnknownSortOrder(s.to_owned()))
    }
}

/// One line of the rendered thread: a comment and how deep it sits (0 at the top level).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisibleComment {
    pub id: CommentId,
    pub depth: usize,
}

/// Children by parent, in a [`SortOrder`], with every comment reachable exactly once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadIndex {
    roots: Vec<CommentId>,
    children: IdMap<Vec<CommentId>>,
    /// How many comments sit below each comment (all generations), for "3 replies hidden".
    descendants: IdMap<usize>,
}

const NO_CHILDREN: &[CommentId] = &[];

/// A map keyed by comment id, with [`IdHasher`].
pub type IdMap<V> = HashMap<CommentId, V, BuildHasherDefault<IdHasher>>;
/// A set of comment ids, with [`IdHasher`].
pub type IdSet = HashSet<CommentId, BuildHasherDefault<IdHasher>>;

/// The hash of the widget's and the index's maps of comment ids: one multiply per word (the
/// rustc hasher's, "Fx"). The standard SipHash resists keys chosen to collide, which ids the
/// server assigns are not, and costs several times more: at 5,000 comments, a tenth of a
/// vote's render in the widget went to hashing.
#[derive(Debug, Default, Clone, Copy)]
pub struct IdHasher(u64);

impl IdHasher {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0_u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_i64(&mut self, n: i64) {
        self.add(n as u64);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}

impl ThreadIndex {
    /// Builds the index in O(n log n) for the sort plus O(n) for everything else. Comments
    /// that repeat an id already seen are ignored (the server never sends any).
    pub fn build<'a>(comments: impl IntoIterator<Item = &'a Comment>, order: SortOrder) -> Self {
        let mut seen = IdSet::default();
        let mut sorted: Vec<&Comment> =
            comments.into_iter().filter(|c| seen.insert(c.id)).collect();
        sorted.sort_by(|a, b| order.compare(a, b));

        let mut index = ThreadIndex::default();
        // Pass over the sorted list: each child list comes out already in order.
        for comment in &sorted {
            match comment.parent_id {
                Some(parent) if parent != comment.id && seen.contains(&parent) => {
                    index.children.entry(parent).or_default().push(comment.id)
                }
                _ => index.roots.push(comment.id),
            }
        }

        // Whatever the walk from the roots does not reach hangs below a cycle. Promote the first
        // such comment (in sort order) to the top level, cutting it from its parent, and walk
        // again from it; repeat until everything is reached. Each comment is walked once.
        let mut reached = IdSet::with_capacity_and_hasher(sorted.len(), Default::default());
        let mut preorder: Vec<(CommentId, Option<CommentId>)> = Vec::with_capacity(sorted.len());
        let roots = index.roots.clone();
        for root in roots {
            index.walk_from(root, &mut reached, &mut preorder);
        }
        for comment in &sorted {
            if reached.contains(&comment.id) {
                continue;
            }
            if let Some(siblings) = comment.parent_id.and_then(|p| index.children.get_mut(&p)) {
                siblings.retain(|&id| id != comment.id);
            }
            index.roots.push(comment.id);
            index.walk_from(comment.id, &mut reached, &mut preorder);
        }

        // Descendant counts: children come after their parent in pre-order, so one pass in
        // reverse sees every child's count complete before adding it to its parent.
        for &(id, _) in &preorder {
            index.descendants.insert(id, 0);
        }
        for &(id, parent) in preorder.iter().rev() {
            if let Some(parent) = parent {
                let below = index.descendants.get(&id).copied().unwrap_or(0);
                if let Some(count) = index.descendants.get_mut(&parent) {
                    *count += 1 + below;
                }
            }
        }
        index
    }

    /// Iterative pre-order walk from `root`, recording each comment with its parent in the tree.
    fn walk_from(
        &self,
        root: CommentId,
        reached: &mut IdSet,
        preorder: &mut Vec<(CommentId, Option<CommentId>)>,
    ) {
        let mut stack = vec![(root, None)];
        while let Some((id, parent)) = stack.pop() {
            if !reached.insert(id) {
                continue;
            }
            preorder.push((id, parent));
            stack.extend(
                self.children(id)
                    .iter()
                    .rev()
                    .map(|&child| (child, Some(id))),
            );
        }
    }

    /// The top-level comments, in order.
    pub fn roots(&self) -> &[CommentId] {
        &self.roots
    }

    /// The direct replies to `id`, in order.
    pub fn children(&self, id: CommentId) -> &[CommentId] {
        self.children.get(&id).map_or(NO_CHILDREN, Vec::as_slice)
    }

    /// How many comments sit below `id`, all generations.
    pub fn descendant_count(&self, id: CommentId) -> usize {
        self.descendants.get(&id).copied().unwrap_or(0)
    }

    /// How many comments the index holds.
    pub fn len(&self) -> usize {
        self.descendants.len()
    }

    pub fn is_empty(&self) -> bool {
        self.descendants.is_empty()
    }

    /// The thread as it reads from top to bottom (pre-order), leaving out the replies below
    /// every comment for which `collapsed` is true (the collapsed comment itself stays).
    pub fn visible(&self, collapsed: impl Fn(CommentId) -> bool) -> Vec<VisibleComment> {
        let mut out = Vec::with_capacity(self.len());
        let mut stack: Vec<VisibleComment> = self
            .roots
            .iter()
            .rev()
            .map(|&id| VisibleComment { id, depth: 0 })
            .collect();
        while let Some(line) = stack.pop() {
            out.push(line);
            if !collapsed(line.id) {
                let depth = line.depth.saturating_add(1);
                stack.extend(
                    self.children(line.id)
                        .iter()
                        .rev()
                        .map(|&id| VisibleComment { id, depth }),
                );
            }
        }
        out
    }
}

/// Oldest first by timestamp; the id breaks ties (ids grow with time on one server).
/// Timestamps are RFC 3339 in UTC with a fixed format, so they compare as strings.
fn chronological(a: &Comment, b: &Comment) -> std::cmp::Ordering {
    a.created_at
        .cmp(&b.created_at)
        .then_with(|| a.id.cmp(&b.id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn comment(id: CommentId, parent_id: Option<CommentId>, minute: u32, votes: u64) -> Comment {
        Comment {
            id,
            parent_id,
            author: format!("author {id}"),
            avatar: None,
            subject: None,
            body_html: String::new(),
            created_at: format!("2016-07-20T{:02}:{:02}:00Z", minute / 60 % 24, minute % 60),
            edited_at: None,
            votes,
            viewer_voted: false,
            signature: None,
            deleted: false,
            held: false,
        }
    }

    fn ids(lines: &[VisibleComment]) -> Vec<(CommentId, usize)> {
        lines.iter().map(|l| (l.id, l.depth)).collect()
    }

    #[test]
    fn nests_and_orders() {
        let comments = vec![
            comment(1, None, 0, 0),
            comment(2, Some(1), 1, 5),
            comment(3, Some(1), 2, 9),
            comment(4, Some(2), 3, 0),
            comment(5, None, 4, 1),
        ];
        let oldest = ThreadIndex::build(&comments, SortOrder::Oldest);
        assert_eq!(
            ids(&oldest.visible(|_| false)),
            vec![(1, 0), (2, 1), (4, 2), (3, 1), (5, 0)]
        );
        assert_eq!(oldest.descendant_count(1), 3);
        assert_eq!(oldest.descendant_count(2), 1);
        assert_eq!(oldest.descendant_count(5), 0);

        let newest = ThreadIndex::build(&comments, SortOrder::Newest);
        assert_eq!(
            ids(&newest.visible(|_| false)),
            vec![(5, 0), (1, 0), (3, 1), (2, 1), (4, 2)]
        );

        let top = ThreadIndex::build(&comments, SortOrder::Top);
        assert_eq!(
            ids(&top.visible(|_| false)),
            vec![(5, 0), (1, 0), (3, 1), (2, 1), (4, 2)]
        );

        assert_eq!(
            ids(&oldest.visible(|id| id == 1)),
            vec![(1, 0), (5, 0)],
            "collapsing hides every generation below"
        );
    }

    #[test]
    fn missing_parent_goes_to_the_top() {
        let comments = vec![comment(1, None, 0, 0), comment(2, Some(99), 1, 0)];
        let index = ThreadIndex::build(&comments, SortOrder::Oldest);
        assert_eq!(index.roots(), &[1, 2]);
    }

    #[test]
    fn cycles_are_broken_not_followed() {
        let comments = vec![
            comment(1, Some(2), 0, 0),
            comment(2, Some(1), 1, 0),
            comment(3, Some(3), 2, 0),
            comment(4, Some(1), 3, 0),
        ];
        let index = ThreadIndex::build(&comments, SortOrder::Oldest);
        assert_eq!(
            ids(&index.visible(|_| false)),
            vec![(3, 0), (1, 0), (2, 1), (4, 1)]
        );
    }

    #[test]
    fn very_deep_chains_do_not_recurse() {
        let n = 100_000;
        let comments: Vec<Comment> = (0..n)
            .map(|i| comment(i, if i == 0 { None } else { Some(i - 1) }, 0, 0))
            .collect();
        let index = ThreadIndex::build(&comments, SortOrder::Oldest);
        let lines = index.visible(|_| false);
        assert_eq!(lines.len(), n as usize);
        assert_eq!(lines.last().map(|l| l.depth), Some(n as usize - 1));
        assert_eq!(index.descendant_count(0), n as usize - 1);
    }

    #[test]
    fn sort_orders_parse_and_print() {
        for order in SortOrder::ALL {
            assert_eq!(order.as_str().parse::<SortOrder>(), Ok(order));
        }
        assert!("best".parse::<SortOrder>().is_err());
        assert_eq!(SortOrder::default(), SortOrder::Oldest);
    }

    /// Arbitrary threads: parents may be absent, point anywhere (including at themselves or
    /// into cycles), or at ids that do not exist.
    fn arbitrary_thread() -> impl Strategy<Value = Vec<Comment>> {
        (1usize..60).prop_flat_map(|n| {
            proptest::collection::vec(
                (
                    proptest::option::weighted(0.8, 0i64..(n as i64 + 5)),
                    0u32..30,
                    0u64..4,
                ),
                n,
            )
            .prop_map(|rows| {
                rows.into_iter()
                    .enumerate()
                    .map(|(i, (parent, minute, votes))| comment(i as i64, parent, minute, votes))
                    .collect()
            })
        })
    }

    fn sort_key(order: SortOrder, c: &Comment) -> (i64, String, i64) {
        match order {
            SortOrder::Oldest => (0, c.created_at.clone(), c.id),
            SortOrder::Newest => (0, String::new(), 0),
            SortOrder::Top => (-(c.votes as i64), c.created_at.clone(), c.id),
        }
    }

    proptest! {
        #[test]
        fn every_comment_appears_exactly_once(
            comments in arbitrary_thread(),
            order in proptest::sample::select(SortOrder::ALL.to_vec()),
        ) {
            let index = ThreadIndex::build(&comments, order);
            let lines = index.visible(|_| false);
            let mut seen: Vec<CommentId> = lines.iter().map(|l| l.id).collect();
            seen.sort_unstable();
            let mut expected: Vec<CommentId> = comments.iter().map(|c| c.id).collect();
            expected.sort_unstable();
            prop_assert_eq!(seen, expected);
            prop_assert_eq!(index.len(), comments.len());
            let total: usize = index.roots().iter().map(|&r| 1 + index.descendant_count(r)).sum();
            prop_assert_eq!(total, comments.len());
        }

        #[test]
        fn parents_come_first_and_depth_follows_them(
            comments in arbitrary_thread(),
            order in proptest::sample::select(SortOrder::ALL.to_vec()),
        ) {
            let index = ThreadIndex::build(&comments, order);
            let by_id: HashMap<CommentId, &Comment> = comments.iter().map(|c| (c.id, c)).collect();
            let lines = index.visible(|_| false);
            let mut depth_of: HashMap<CommentId, usize> = HashMap::new();
            for line in &lines {
                if line.depth == 0 {
                    prop_assert!(index.roots().contains(&line.id));
                } else {
                    let parent = by_id[&line.id].parent_id;
                    let parent_depth = parent.and_then(|p| depth_of.get(&p).copied());
                    prop_assert_eq!(parent_depth.map(|d| d + 1), Some(line.depth));
                }
                depth_of.insert(line.id, line.depth);
            }
            // A comment whose parent does not exist is always at the top level.
            for c in &comments {
                let orphan = match c.parent_id {
                    None => true,
                    Some(p) => !by_id.contains_key(&p),
                };
                if orphan {
                    prop_assert_eq!(depth_of[&c.id], 0);
                }
            }
        }

        #[test]
        fn siblings_follow_the_sort_order(
            comments in arbitrary_thread(),
            order in proptest::sample::select(SortOrder::ALL.to_vec()),
        ) {
            let index = ThreadIndex::build(&comments, order);
            let by_id: HashMap<CommentId, &Comment> = comments.iter().map(|c| (c.id, c)).collect();
            let mut lists: Vec<&[CommentId]> = vec![index.roots()];
            lists.extend(comments.iter().map(|c| index.children(c.id)));
            for list in lists {
                // Roots promoted out of a cycle are appended after the ordered roots.
                let ordered: Vec<&Comment> = list.iter().map(|id| by_id[id])
                    .filter(|c| list.as_ptr() != index.roots().as_ptr() || c.parent_id.is_none_or(|p| p == c.id || !by_id.contains_key(&p)))
                    .collect();
                for pair in ordered.windows(2) {
                    let (a, b) = (pair[0], pair[1]);
                    match order {
                        SortOrder::Newest => prop_assert!((&b.created_at, b.id) <= (&a.created_at, a.id)),
                        _ => prop_assert!(sort_key(order, a) <= sort_key(order, b)),
                    }
                }
            }
        }

        #[test]
        fn collapsing_hides_exactly_the_descendants(
            comments in arbitrary_thread(),
            pick in any::<proptest::sample::Index>(),
        ) {
            let index = ThreadIndex::build(&comments, SortOrder::Oldest);
            let target = comments[pick.index(comments.len())].id;
            let all = index.visible(|_| false).len();
            let shown = index.visible(|id| id == target);
            prop_assert_eq!(shown.len(), all - index.descendant_count(target));
            prop_assert!(shown.iter().any(|l| l.id == target));
        }
    }
}

// Deterministic benchmark threads: the same seed gives the same thread on every machine.
// Shape: about 40% top-level comments, replies down to depth 8, bodies of 20-1,500 characters
// with some Markdown (emphasis, links, quotes, lists, code).

/** mulberry32: a small, fast, seedable PRNG; good enough to shape test data. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  "the of and to in is that it was for on are as with his they at be this from have or by one had " +
  "not but what all were when we there can an your which their said if do will each about how up " +
  "out them then she many some so these would other into has more her two like him see time could " +
  "no make than first been its who now people my made over did down only way find use may water " +
  "long little very after words called just where most know get through back much before go good " +
  "new write our used me man too any day same right look think also around another came come work " +
  "Libya Tripoli Benghazi Haftar government council militia oil embassy senate hearing leak tapes"
).split(" ");

function sentence(next, words) {
  const out = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(next() * WORDS.length)]);
  const s = out.join(" ");
  return s.charAt(0).toUpperCase() + s.slice(1) + ".";
}

/** A Markdown body of about `length` characters. */
function body(next, length) {
  const parts = [];
  let size = 0;
  while (size < length) {
    let p = sentence(next, 4 + Math.floor(next() * 14));
    const r = next();
    if (r < 0.08) p = `*${p}*`;
    else if (r < 0.14) p = `**${p}**`;
    else if (r < 0.18) p = `${p} See [the source](https://example.org/${Math.floor(next() * 1e6)}).`;
    else if (r < 0.21) p = `> ${p}`;
    else if (r < 0.23) p = `- ${p}\n- ${sentence(next, 5)}`;
    else if (r < 0.24) p = "`" + p.slice(0, 30) + "`";
    parts.push(p);
    size += p.length + 2;
  }
  return parts.join(next() < 0.5 ? "\n\n" : " ").slice(0, Math.max(20, length));
}

/**
 * The comments of a thread of `n`, in posting order; `parent` is an index into the same list
 * (always an earlier comment), or null at the top level.
 */
export function generate(n, seed = 20161120) {
  const next = rng(seed + n);
  const depth = [];
  const comments = [];
  for (let i = 0; i < n; i++) {
    let parent = null;
    if (i > 0 && next() >= 0.4) {
      // Prefer recent comments as parents, as real threads do, within depth 8.
      for (let tries = 0; tries < 8; tries++) {
        const back = Math.floor(Math.pow(next(), 2) * Math.min(i, 200));
        const candidate = i - 1 - back;
        if (depth[candidate] < 8) {
          parent = candidate;
          break;
        }
      }
    }
    depth.push(parent === null ? 0 : depth[parent] + 1);
    const length = 20 + Math.floor(Math.pow(next(), 2.2) * 1480);
    comments.push({
      parent,
      author: next() < 0.1 ? "" : `reader${Math.floor(next() * Math.max(10, n / 4))}`,
      subject: next() < 0.25 ? sentence(next, 3 + Math.floor(next() * 5)).slice(0, 120) : null,
      body: body(next, length),
      signature: next() < 0.3 ? sentence(next, 4).slice(0, 200) : null,
    });
  }
  return comments;
}

/** Posts a generated thread through the public API; returns the ids, in posting order. */
export async function load(origin, slug, comments, concurrency = 8) {
  const ids = new Array(comments.length);
  // A comment can only be posted once its parent has an id: post in order, a window at a time
  // of comments whose parents are known.
  let nextIndex = 0;
  async function worker() {
    while (nextIndex < comments.length) {
      const i = nextIndex++;
      const c = comments[i];
      while (c.parent !== null && ids[c.parent] === undefined) await new Promise((r) => setTimeout(r, 1));
      const res = await fetch(`${origin}/api/threads/${slug}/comments`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          parent_id: c.parent === null ? null : ids[c.parent],
          author: c.author || null,
          subject: c.subject,
          body: c.body,
          signature: c.signature,
        }),
      });
      if (res.status !== 201) throw new Error(`posting comment ${i}: ${res.status} ${await res.text()}`);
      ids[i] = (await res.json()).comment.id;
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return ids;
}

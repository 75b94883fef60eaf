//! Disqus XML exports: `<thread>` records, then `<post>` records that name their thread and
//! parent by `dsq:id`.
//!
//! ```xml
//! <disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals">
//!   <thread dsq:id="61"><id>libya</id><link>https://blog.example.org/libya/</link>
//!     <title>Our Man in Libya</title><createdAt>2016-07-20T14:00:00Z</createdAt></thread>
//!   <post dsq:id="901"><message><![CDATA[<p>Hello</p>]]></message>
//!     <createdAt>2016-07-20T14:03:00Z</createdAt><isDeleted>false</isDeleted>
//!     <isSpam>false</isSpam><author><name>riverlover</name></author>
//!     <thread dsq:id="61"/><parent dsq:id="900"/></post>
//! </disqus>
//! ```
//!
//! Messages are HTML. Disqus exports no votes. Threads come before posts in every export
//! Disqus writes; a post whose thread was not seen is skipped.

use std::collections::HashMap;
use std::path::Path;

use super::xml::{Found, Records};
use super::{Importer, Markup, SourceComment, SourceThread, Standing};

fn is_record(names: &[String], name: &str) -> bool {
    // Children of <disqus>: a post's own <thread dsq:id/> is a field, not a record.
    names.len() == 1 && matches!(name, "thread" | "post")
}

pub async fn read(file: &Path, importer: &mut Importer) -> anyhow::Result<()> {
    let mut records = Records::open(file, is_record)?;
    // Disqus thread id → our thread id (`None`: skipped). Threads are few next to posts.
    let mut threads: HashMap<String, Option<i64>> = HashMap::new();
    loop {
        let record = match records.next()? {
            Found::Record(record, _) => record,
            Found::End => return Ok(()),
        };
        if record.oversized {
            importer.skip("record with a field over 1 MB");
            continue;
        }
        let Some(key) = record.text("@id").map(str::to_owned) else {
            importer.skip("record without a dsq:id");
            continue;
        };
        if record.name == "thread" {
            let thread = SourceThread {
                key: key.clone(),
                link: record.text("link").map(str::to_owned),
                identifier: record.text("id").map(str::to_owned),
                title: record.text("title").map(str::to_owned),
                created_at: record.text("createdAt").map(str::to_owned),
            };
            let id = importer.thread(&thread).await?;
            threads.insert(key, id);
            continue;
        }
        let thread = record
            .text("thread@id")
            .and_then(|t| threads.get(t).copied());
        let Some(thread) = thread else {
            importer.skip("post whose thread is not in the export");
            continue;
        };
        let Some(thread_id) = thread else {
            importer.skip("post in a thread that was skipped");
            continue;
        };
        let standing = if is_true(record.get("isSpam")) {
            Standing::Spam
        } else if is_true(record.get("isDeleted")) {
            Standing::Deleted
        } else {
            Standing::Published
        };
        let comment = SourceComment {
            origin: format!("disqus:{key}"),
            parent_origin: record.text("parent@id").map(|p| format!("disqus:{p}")),
            author: record
                .text("author/name")
                .or_else(|| record.text("author/username"))
                .map(str::to_owned),
            body: record.get("message").unwrap_or_default().to_owned(),
            markup: Markup::Html,
            created_at: record.text("createdAt").map(str::to_owned),
            votes: 0,
            standing,
        };
        importer.comment(thread_id, comment).await?;
    }
}

fn is_true(field: Option<&str>) -> bool {
    field.is_some_and(|value| value.eq_ignore_ascii_case("true"))
}

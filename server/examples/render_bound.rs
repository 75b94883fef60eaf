//! `cargo run --release -p caucus-server --example render_bound`: the bodies of at most
//! `MAX_BODY_CHARS` characters that multiply most when rendered, each with the size of its
//! HTML (or why it is refused) and its median render time over 21 runs. Figures go to
//! `bench/results/`.

use std::time::Instant;

use caucus_model::limits::MAX_BODY_CHARS;
use caucus_server::render::{render_comment, CommentImages};

fn main() {
    let n = MAX_BODY_CHARS;
    let wide = |columns: usize| {
        let header = format!("{}|\n{}|\n", "|a".repeat(columns), "|-".repeat(columns));
        let rows = (n - header.len()) / 4;
        header + &"|a|\n".repeat(rows)
    };
    let bodies: Vec<(&str, String)> = vec![
        ("three tables of 362 columns", {
            let t = wide(362);
            let third = &t[..3_332];
            format!("{third}\n{third}\n{third}")
        }),
        ("one table of 32 columns, one-cell rows", wide(32)),
        ("one table of 16 columns, one-cell rows", wide(16)),
        ("one table of 5 columns, one-cell rows", wide(5)),
        ("one table of 4 columns, one-cell rows", wide(4)),
        ("nested quotes >>>", ">".repeat(n)),
        ("list items - ", "- ".repeat(n / 2)),
        ("list items - a", "- a\n".repeat(n / 4)),
        (
            "nested list items",
            (0..)
                .map(|d| format!("{}- a\n", "  ".repeat(d % 40)))
                .take_while({
                    let mut len = 0;
                    move |l: &String| {
                        len += l.len();
                        len <= n
                    }
                })
                .collect(),
        ),
        ("empty links [](x)", "[](x)".repeat(n / 5)),
        ("autolinks <http://a.b>", "<http://a.b>".repeat(n / 12)),
        ("images ![](http://a)", "![](http://a)".repeat(n / 13)),
        ("entities &", "&".repeat(n)),
        ("emphasis *a*", "*a*".repeat(n / 3)),
        ("hard breaks", "a  \n".repeat(n / 4)),
        ("rules ---", "---\n".repeat(n / 4)),
        ("quote + list > - ", "> - ".repeat(n / 4)),
        ("plain text", "a".repeat(n)),
    ];
    println!("| body (≤ {n} characters) | body_html | median render |");
    println!("| --- | --- | --- |");
    for (name, body) in bodies {
        assert!(body.chars().count() <= n, "{name}");
        let mut times = Vec::new();
        let mut outcome = String::new();
        for _ in 0..21 {
            let start = Instant::now();
            let result = render_comment(&body, CommentImages::On);
            times.push(start.elapsed());
            outcome = match result {
                Ok(html) => format!("{} bytes", html.len()),
                Err(err) => format!("refused: {err:?}"),
            };
        }
        times.sort();
        println!(
            "| {name} | {outcome} | {:.2} ms |",
            times[10].as_secs_f64() * 1e3
        );
    }
}

//! Compiles `style.css` into the shape the widget embeds: without its comments and indentation,
//! which document the source but cost every reader bytes (the sheet is compiled into the wasm).
//!
//! Only comments (outside strings) and the whitespace at the start and end of lines go; every
//! token and every space inside a line stays, so no rule can change meaning.

use std::{env, fs, path::Path};

fn main() {
    println!("cargo:rerun-if-changed=style.css");
    println!("cargo:rerun-if-changed=build.rs");
    let source = fs::read_to_string("style.css").expect("style.css is readable");
    let sheet = minify(&source);
    // A cheap check that nothing structural went with the comments: every brace outside a
    // comment is still there.
    for brace in ['{', '}'] {
        assert_eq!(
            source.matches(brace).count() - comment_text(&source).matches(brace).count(),
            sheet.matches(brace).count(),
            "the minified sheet lost a rule"
        );
    }
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("style.min.css");
    fs::write(out, sheet).expect("OUT_DIR is writable");
}

/// Drops `/* … */` comments (not inside quoted strings), trims every line, drops empty lines.
fn minify(css: &str) -> String {
    let mut code = String::with_capacity(css.len());
    let mut chars = css.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                code.push(c);
                if c == '\\' {
                    if let Some(escaped) = chars.next() {
                        code.push(escaped);
                    }
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '/' && chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
            }
            None => {
                if c == '"' || c == '\'' {
                    quote = Some(c);
                }
                code.push(c);
            }
        }
    }
    code.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text of every comment, found the simple way (style.css has no `/*` inside a string).
fn comment_text(css: &str) -> String {
    let mut out = String::new();
    let mut rest = css;
    while let Some(start) = rest.find("/*") {
        let after = &rest[start + 2..];
        let end = after.find("*/").unwrap_or(after.len());
        out.push_str(&after[..end]);
        rest = after.get(end + 2..).unwrap_or("");
    }
    out
}

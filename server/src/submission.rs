//! What an author sends, cleaned and checked before anything is stored: new comments and
//! edits.
//!
//! - `body` (Markdown) is cleaned first, silently: line breaks become `\n` (`\r\n` and lone
//!   `\r` included), tabs stay, every other control character (NUL, escape, the C1 range, ...)
//!   is removed. It is rendered to HTML, so what matters is the Markdown it means, and a control
//!   character means nothing there.
//! - `author`, `subject`, `signature` are text and stay exactly as sent, control characters
//!   and line breaks included: the widget shows them as text (never HTML, each in its own
//!   bidi-isolated element), so nothing in them can act, and a reader's name or signature comes
//!   back byte for byte. Only the whitespace around them goes, and NUL: PostgreSQL's text
//!   cannot hold it, and a field must read back the same on either backend.
//!
//! Then every field is trimmed and checked against [`caucus_model::limits`], counting
//! characters as a person does (`chars()`), after cleaning and trimming. An empty author is
//! [`ANONYMOUS`]; an empty subject or signature is no subject or signature (`null`). Each
//! failure has its own error code, and a message that says the limit and by how much it was
//! missed.

use caucus_model::limits::{
    ANONYMOUS, MAX_AUTHOR_CHARS, MAX_BODY_CHARS, MAX_SIGNATURE_CHARS, MAX_SUBJECT_CHARS,
    MIN_BODY_CHARS,
};
use caucus_model::{CommentEdit, CommentId, NewComment};

use crate::error::AppError;

/// A new comment that passed every check. Its body is rendered only after the checks that cost
/// less than a render ([`crate::render::Renderer`]), so it is not here.
#[derive(Debug)]
pub struct CheckedComment {
    pub parent_id: Option<CommentId>,
    pub author: String,
    pub subject: Option<String>,
    pub body_md: String,
    pub signature: Option<String>,
}

/// An edit that passed every check, its body not yet rendered.
#[derive(Debug)]
pub struct CheckedEdit {
    pub subject: Option<String>,
    pub body_md: String,
}

pub fn check_new_comment(comment: NewComment) -> Result<CheckedComment, AppError> {
    let body_md = check_body(&comment.body)?;
    let author = check_line(
        comment.author.as_deref(),
        MAX_AUTHOR_CHARS,
        "author_too_long",
        "name",
    )?
    .unwrap_or_else(|| ANONYMOUS.to_owned());
    let subject = check_line(
        comment.subject.as_deref(),
        MAX_SUBJECT_CHARS,
        "subject_too_long",
        "subject",
    )?;
    let signature = check_line(
        comment.signature.as_deref(),
        MAX_SIGNATURE_CHARS,
        "signature_too_long",
        "signature",
    )?;
    Ok(CheckedComment {
        parent_id: comment.parent_id,
        author,
        subject,
        body_md,
        signature,
    })
}

/// An edit replaces the subject and the body; a subject left out (or blank) is removed.
pub fn check_edit(edit: CommentEdit) -> Result<CheckedEdit, AppError> {
    let body_md = check_body(&edit.body)?;
    let subject = check_line(
        edit.subject.as_deref(),
        MAX_SUBJECT_CHARS,
        "subject_too_long",
        "subject",
    )?;
    Ok(CheckedEdit { subject, body_md })
}

fn check_body(body: &str) -> Result<String, AppError> {
    let body = clean_text(body);
    let body = body.trim();
    let chars = body.chars().count();
    if chars < MIN_BODY_CHARS {
        return Err(AppError::unprocessable(
            "body_empty",
            "The comment is empty: write something before sending it.",
        ));
    }
    if chars > MAX_BODY_CHARS {
        return Err(AppError::unprocessable(
            "body_too_long",
            format!(
                "The comment is {} characters long, and the most is {}: please shorten it by {}.",
                thousands(chars),
                thousands(MAX_BODY_CHARS),
                thousands(chars - MAX_BODY_CHARS)
            ),
        ));
    }
    Ok(body.to_owned())
}

/// A text field (author, subject, signature), as sent: `None` when absent or blank.
fn check_line(
    text: Option<&str>,
    max: usize,
    code: &'static str,
    what: &str,
) -> Result<Option<String>, AppError> {
    let Some(text) = text else {
        return Ok(None);
    };
    let without_nul;
    let text = if text.contains('\0') {
        without_nul = text.replace('\0', "");
        without_nul.as_str()
    } else {
        text
    };
    let line = text.trim();
    if line.is_empty() {
        return Ok(None);
    }
    let chars = line.chars().count();
    if chars > max {
        return Err(AppError::unprocessable(
            code,
            format!(
                "The {what} is {chars} characters long, and the most is {max}: please shorten \
                 it by {}.",
                chars - max
            ),
        ));
    }
    Ok(Some(line.to_owned()))
}

/// Markdown: `\n` line breaks and tabs, no other control character.
fn clean_text(text: &str) -> String {
    let unix = text.replace("\r\n", "\n").replace('\r', "\n");
    unix.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect()
}

/// `10000` as `10,000`: the limits are read by people.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn comment(body: &str) -> NewComment {
        NewComment {
            body: body.to_owned(),
            ..NewComment::default()
        }
    }

    fn code(result: Result<CheckedComment, AppError>) -> String {
        format!("{:?}", result.unwrap_err())
    }

    #[test]
    fn blanks_become_anonymous_and_null() {
        let checked = check_new_comment(NewComment {
            author: Some("  \t ".into()),
            subject: Some("".into()),
            signature: Some("\n".into()),
            ..comment("  *hi*  ")
        })
        .unwrap();
        assert_eq!(checked.author, ANONYMOUS);
        assert_eq!(checked.subject, None);
        assert_eq!(checked.signature, None);
        assert_eq!(checked.body_md, "*hi*");
    }

    #[test]
    fn bodies_are_cleaned_and_text_fields_kept_as_sent() {
        let checked = check_new_comment(NewComment {
            author: Some(" Ro\0bert\u{7}\tTables\u{202e} ".into()),
            subject: Some("line one\r\nline two\u{9b}".into()),
            signature: Some("When Cicero had finished speaking\nWhen Demosthenes".into()),
            ..comment("a\r\nb\rc\u{0}d\te\u{1b}[31m")
        })
        .unwrap();
        assert_eq!(checked.author, "Robert\u{7}\tTables\u{202e}");
        assert_eq!(
            checked.subject.as_deref(),
            Some("line one\r\nline two\u{9b}")
        );
        assert_eq!(
            checked.signature.as_deref(),
            Some("When Cicero had finished speaking\nWhen Demosthenes")
        );
        assert_eq!(checked.body_md, "a\nb\ncd\te[31m");
    }

    #[test]
    fn bodies_are_counted_after_trimming_in_characters() {
        assert!(code(check_new_comment(comment(" \n\t "))).contains("body_empty"));
        assert!(code(check_new_comment(comment("\0\u{1}"))).contains("body_empty"));
        let most = "é".repeat(MAX_BODY_CHARS);
        assert!(check_new_comment(comment(&format!("  {most}\n"))).is_ok());
        let error = code(check_new_comment(comment(&format!("{most}x"))));
        assert!(error.contains("body_too_long"), "{error}");
        assert!(
            error.contains("10,001 characters long, and the most is 10,000"),
            "{error}"
        );
    }

    #[test]
    fn each_field_has_its_limit() {
        for (field, max, code_name) in [
            ("author", MAX_AUTHOR_CHARS, "author_too_long"),
            ("subject", MAX_SUBJECT_CHARS, "subject_too_long"),
            ("signature", MAX_SIGNATURE_CHARS, "signature_too_long"),
        ] {
            let with = |n: usize| {
                let text = Some("ж".repeat(n));
                let mut new = comment("body");
                match field {
                    "author" => new.author = text,
                    "subject" => new.subject = text,
                    _ => new.signature = text,
                }
                check_new_comment(new)
            };
            assert!(with(max).is_ok(), "{field}");
            let error = code(with(max + 1));
            assert!(error.contains(code_name), "{error}");
            assert!(error.contains("shorten it by 1"), "{error}");
        }
    }

    #[test]
    fn edits_replace_subject_and_body() {
        let edit = check_edit(CommentEdit {
            subject: None,
            body: "new **text**".into(),
        })
        .unwrap();
        assert_eq!(edit.subject, None);
        assert_eq!(edit.body_md, "new **text**");
        assert!(check_edit(CommentEdit {
            subject: Some("s".into()),
            body: " ".into(),
        })
        .is_err());
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(10_000), "10,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}

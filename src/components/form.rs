//! The comment form, in its two uses: a reply (at the top of the thread, or under a comment)
//! and an author's edit of their own comment.
//!
//! Nothing typed is ever lost: a reply's fields are saved as a draft in this browser on every
//! keystroke (one per thread and parent) and come back after a reload; a send that fails keeps
//! every character and says why. Name and signature are remembered for the next comment.
//! Keyboard: Ctrl+Enter (or ⌘+Enter) sends, Escape closes a reply or edit form.

use std::rc::Rc;

use caucus_model::limits::{
    EDIT_WINDOW_SECONDS, MAX_AUTHOR_CHARS, MAX_BODY_CHARS, MAX_SIGNATURE_CHARS, MAX_SUBJECT_CHARS,
};
use caucus_model::{Comment, CommentEdit, CommentId, NewComment};
use wasm_bindgen_futures::spawn_local;
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::api::Endpoint;
use crate::components::slot;
use crate::i18n::Lang;
use crate::storage::{self, Authorship, Draft};
use crate::text;

/// What the form is for.
#[derive(Debug, Clone, PartialEq)]
pub enum FormPurpose {
    /// A new comment; `None` answers the page itself (the form at the top).
    Reply(Option<CommentId>),
    /// A change to the reader's own comment.
    Edit(CommentId, Rc<Authorship>),
}

/// A form that was sent and stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    pub comment: Comment,
    pub authorship: Authorship,
}

#[derive(Properties, PartialEq)]
pub struct FormProps {
    pub purpose: FormPurpose,
    pub on_sent: Callback<Sent>,
    /// Closes the form (Cancel, Escape); the form at the top of the thread has none.
    #[prop_or_default]
    pub on_cancel: Option<Callback<()>>,
    /// A new comment went out (`true`), or its answer came back (`false`, after `on_sent`).
    #[prop_or_default]
    pub on_sending: Option<Callback<bool>>,
}

#[derive(Clone, Copy, PartialEq)]
enum Field {
    Author,
    Subject,
    Body,
    Signature,
}

/// Checks a form as the server will, so most mistakes are explained before anything is sent.
pub fn problem(lang: Lang, draft: &Draft, editing: bool) -> Option<String> {
    let p = lang.phrases();
    if draft.body.trim().is_empty() {
        return Some(p.write_something.to_owned());
    }
    let too_long = |what: &str, text: &str, max: usize| {
        let n = text.trim().chars().count();
        (n > max).then(|| {
            p.too_long
                .replace("{what}", what)
                .replace("{n}", &n.to_string())
                .replace("{max}", &max.to_string())
        })
    };
    too_long(p.field_comment, &draft.body, MAX_BODY_CHARS)
        .or_else(|| too_long(p.field_subject, &draft.subject, MAX_SUBJECT_CHARS))
        .or_else(|| {
            if editing {
                return None;
            }
            too_long(p.field_name, &draft.author, MAX_AUTHOR_CHARS)
                .or_else(|| too_long(p.field_signature, &draft.signature, MAX_SIGNATURE_CHARS))
        })
}

/// An optional field: blank means absent.
/// What is in the honeypot field: nothing, unless a bot filled it in.
fn honeypot_value(honeypot: &NodeRef) -> Option<String> {
    honeypot
        .cast::<HtmlInputElement>()
        .map(|input| input.value())
        .filter(|value| !value.is_empty())
}

fn optional(text: &str) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

#[function_component(CommentForm)]
pub fn comment_form(props: &FormProps) -> Html {
    let endpoint = use_context::<Rc<Endpoint>>();
    let lang = use_context::<Lang>().unwrap_or_default();
    let draft_key = match (&props.purpose, &endpoint) {
        (FormPurpose::Reply(parent), Some(endpoint)) => Some(storage::draft_key(
            &endpoint.server,
            &endpoint.slug,
            *parent,
        )),
        _ => None,
    };
    let draft = {
        let (purpose, key) = (props.purpose.clone(), draft_key.clone());
        use_state(move || match (purpose, key) {
            (FormPurpose::Edit(_, mine), _) => Draft {
                subject: mine.subject.clone(),
                body: mine.body.clone(),
                ..Draft::default()
            },
            (FormPurpose::Reply(_), Some(key)) => storage::load_draft(&key),
            (FormPurpose::Reply(_), None) => Draft::default(),
        })
    };
    let sending = use_state(|| false);
    let error = use_state(|| None::<String>);
    let body_ref = use_node_ref();
    // The honeypot (`NewComment::website`): hidden from people, filled in only by bots.
    let honeypot_ref = use_node_ref();

    // A form that opens on request (reply, edit) takes the focus; the one at the top does not.
    {
        let body_ref = body_ref.clone();
        let grab = props.on_cancel.is_some();
        use_effect_with((), move |_| {
            if grab {
                if let Some(body) = body_ref.cast::<HtmlTextAreaElement>() {
                    let _ = body.focus();
                }
            }
        });
    }

    let on_field = |field: Field| {
        let (draft, key) = (draft.clone(), draft_key.clone());
        Callback::from(move |event: InputEvent| {
            let value = event
                .target_dyn_into::<HtmlTextAreaElement>()
                .map(|e| e.value())
                .or_else(|| {
                    event
                        .target_dyn_into::<HtmlInputElement>()
                        .map(|e| e.value())
                })
                .unwrap_or_default();
            let mut next = (*draft).clone();
            match field {
                Field::Author => next.author = value,
                Field::Subject => next.subject = value,
                Field::Body => next.body = value,
                Field::Signature => next.signature = value,
            }
            if let Some(key) = &key {
                storage::save_draft(key, &next);
            }
            draft.set(next);
        })
    };

    let send = {
        let (draft, sending, error) = (draft.clone(), sending.clone(), error.clone());
        let (purpose, on_sent, key) = (
            props.purpose.clone(),
            props.on_sent.clone(),
            draft_key.clone(),
        );
        let on_sending = props.on_sending.clone();
        let endpoint = endpoint.clone();
        let honeypot_ref = honeypot_ref.clone();
        Callback::from(move |()| {
            if *sending {
                return;
            }
            let editing = matches!(purpose, FormPurpose::Edit(..));
            if let Some(problem) = problem(lang, &draft, editing) {
                error.set(Some(problem));
                return;
            }
            let Some(endpoint) = endpoint.clone() else {
                error.set(Some(lang.phrases().not_connected.into()));
                return;
            };
            sending.set(true);
            error.set(None);
            if let Some(on_sending) = &on_sending {
                on_sending.emit(true);
            }
            let on_sending = on_sending.clone();
            let typed = (*draft).clone();
            let website = honeypot_value(&honeypot_ref);
            let (draft, sending, error) = (draft.clone(), sending.clone(), error.clone());
            let (purpose, on_sent, key) = (purpose.clone(), on_sent.clone(), key.clone());
            spawn_local(async move {
                let result = match &purpose {
                    FormPurpose::Reply(parent_id) => endpoint
                        .post_comment(&NewComment {
                            parent_id: *parent_id,
                            author: optional(&typed.author),
                            subject: optional(&typed.subject),
                            body: typed.body.clone(),
                            signature: optional(&typed.signature),
                            website: website.clone(),
                        })
                        .await
                        .map(|created| (created.comment, created.edit_token)),
                    FormPurpose::Edit(id, mine) => endpoint
                        .edit_comment(
                            *id,
                            &mine.edit_token,
                            &CommentEdit {
                                subject: optional(&typed.subject),
                                body: typed.body.clone(),
                            },
                        )
                        .await
                        .map(|comment| (comment, mine.edit_token.clone())),
                };
                sending.set(false);
                match result {
                    Ok((comment, edit_token)) => {
                        let until_ms = match &purpose {
                            FormPurpose::Edit(_, mine) => mine.until_ms,
                            FormPurpose::Reply(_) => {
                                js_sys::Date::now() + (EDIT_WINDOW_SECONDS as f64) * 1000.0
                            }
                        };
                        let authorship = Authorship {
                            edit_token,
                            until_ms,
                            subject: typed.subject.trim().to_owned(),
                            body: typed.body.clone(),
                        };
                        storage::save_authorship(
                            &endpoint.server,
                            comment.id,
                            Some(&authorship),
                            js_sys::Date::now(),
                        );
                        if let Some(key) = &key {
                            storage::sent(key, &typed);
                            // The top form stays for the next comment, signed the same way.
                            draft.set(Draft {
                                author: typed.author.clone(),
                                signature: typed.signature.clone(),
                                ..Draft::default()
                            });
                        }
                        on_sent.emit(Sent {
                            comment,
                            authorship,
                        });
                    }
                    Err(problem) => error.set(Some(text::api_error(lang, &problem))),
                }
                if let Some(on_sending) = &on_sending {
                    on_sending.emit(false);
                }
            });
        })
    };

    let onsubmit = {
        let send = send.clone();
        Callback::from(move |event: SubmitEvent| {
            event.prevent_default();
            send.emit(());
        })
    };
    let onkeydown = {
        let on_cancel = props.on_cancel.clone();
        Callback::from(move |event: KeyboardEvent| {
            if event.key() == "Escape" {
                if let Some(cancel) = &on_cancel {
                    event.prevent_default();
                    cancel.emit(());
                }
            } else if event.key() == "Enter" && (event.ctrl_key() || event.meta_key()) {
                event.prevent_default();
                send.emit(());
            }
        })
    };

    let p = lang.phrases();
    let (prefix, heading, button) = match &props.purpose {
        FormPurpose::Reply(None) => ("caucus-new".to_owned(), p.add_comment, p.send),
        FormPurpose::Reply(Some(id)) => {
            (format!("caucus-reply-{id}"), p.reply_heading, p.send_reply)
        }
        FormPurpose::Edit(id, _) => (format!("caucus-edit-{id}"), p.edit_heading, p.save),
    };
    let editing = matches!(props.purpose, FormPurpose::Edit(..));
    let id = |name: &str| format!("{prefix}-{name}");
    let cancel = props.on_cancel.clone().map(|cancel| {
        let onclick = Callback::from(move |_: MouseEvent| cancel.emit(()));
        html! { <button type="button" class="caucus-link-button" {onclick}>{ p.cancel }</button> }
    });

    html! {
        <form class="caucus-form" data-caucus-form="" aria-label={heading} {onsubmit} {onkeydown}
            aria-busy={sending.to_string()}>
            if !editing {
                <div class="caucus-form-row">
                    <label for={id("author")}>{ p.name }</label>
                    <input id={id("author")} name="author" autocomplete="nickname"
                        placeholder={p.anonymous} value={draft.author.clone()}
                        oninput={on_field(Field::Author)} />
                </div>
            }
            <div class="caucus-form-row">
                <label for={id("subject")}>{ p.subject }</label>
                <input id={id("subject")} name="subject" value={draft.subject.clone()}
                    oninput={on_field(Field::Subject)} />
            </div>
            <div class="caucus-form-row">
                <label for={id("body")}>{ p.body }</label>
                <textarea id={id("body")} name="body" rows="4" ref={body_ref}
                    value={draft.body.clone()} oninput={on_field(Field::Body)} />
            </div>
            if !editing {
                <div class="caucus-trap" aria-hidden="true">
                    <label for={id("website")}>{ "Website (leave empty)" }</label>
                    <input id={id("website")} name="website" tabindex="-1" autocomplete="off"
                        ref={honeypot_ref.clone()} />
                </div>
                <div class="caucus-form-row">
                    <label for={id("signature")}>{ p.signature }</label>
                    <input id={id("signature")} name="signature" value={draft.signature.clone()}
                        oninput={on_field(Field::Signature)} />
                </div>
            }
            if let Some(problem) = &*error {
                <p class="caucus-form-error" role="alert" data-caucus-form-error="">{ problem }</p>
            }
            <div class="caucus-form-actions">
                <button type="submit" class="caucus-button" data-caucus-send="">
                    { if *sending { p.sending } else { button } }
                </button>
                { slot(cancel) }
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(body: &str) -> Draft {
        Draft {
            body: body.into(),
            ..Draft::default()
        }
    }

    #[test]
    fn the_form_explains_what_the_server_would_refuse() {
        assert!(problem(Lang::En, &draft("  \n "), false)
            .unwrap()
            .contains("Write something"));
        assert_eq!(problem(Lang::En, &draft("ok"), false), None);
        let long = draft(&"é".repeat(MAX_BODY_CHARS + 1));
        assert!(problem(Lang::En, &long, false)
            .unwrap()
            .contains("10001 characters"));
        assert!(problem(Lang::De, &long, false)
            .unwrap()
            .contains("10001 Zeichen"));
        let mut named = draft("ok");
        named.author = "x".repeat(MAX_AUTHOR_CHARS + 1);
        assert!(problem(Lang::En, &named, false).unwrap().contains("name"));
        // An edit has no name field to complain about.
        assert_eq!(problem(Lang::En, &named, true), None);
        named.subject = "s".repeat(MAX_SUBJECT_CHARS + 1);
        assert!(problem(Lang::En, &named, true).unwrap().contains("subject"));
    }

    #[test]
    fn blank_optional_fields_are_absent() {
        assert_eq!(optional("  "), None);
        assert_eq!(optional(" riverlover "), Some("riverlover".into()));
    }
}

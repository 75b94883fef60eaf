//! One mounted widget: fetches its thread and shows, explicitly, whether it is loading, failed
//! (with the reason and a Retry button) or ready.

use caucus_model::SortOrder;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use std::rc::Rc;

use crate::api::Endpoint;
use crate::components::thread::ThreadView;
use crate::i18n::Lang;
use crate::permalink;
use crate::state::{Action, FetchState, ThreadState};
use crate::storage;
use crate::text;

#[derive(Properties, PartialEq, Clone)]
pub struct AppProps {
    /// The API's origin, without a trailing slash.
    pub server: AttrValue,
    /// The thread's name, as the host page wrote it (validated before any request).
    pub slug: AttrValue,
    /// The order the host page asked for (`data-caucus-sort`).
    pub sort: SortOrder,
    /// The reader's language (`data-caucus-lang`, else the page's `<html lang>`).
    #[prop_or_default]
    pub lang: Lang,
}

#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    // The reader's own choice of order, made on this site before, beats the host page's.
    let state = use_reducer(|| ThreadState::new(storage::load_sort().unwrap_or(props.sort)));
    // Bumped by Retry: a new value runs the fetch effect again.
    let attempt = use_state(|| 0_u32);
    let endpoint = use_memo(
        (props.server.clone(), props.slug.clone()),
        |(server, slug)| Endpoint::new(server, slug),
    );

    {
        let dispatch = state.dispatcher();
        let sort = state.sort;
        use_effect_with((endpoint.clone(), *attempt), move |(endpoint, _)| {
            let controller = web_sys::AbortController::new().ok();
            let signal = controller.as_ref().map(|c| c.signal());
            dispatch.dispatch(Action::Remember(storage::load_authorships(
                &endpoint.server,
                js_sys::Date::now(),
            )));
            dispatch.dispatch(Action::Fetching);
            let endpoint = endpoint.clone();
            spawn_local(async move {
                let result = endpoint.fetch_thread(sort, signal.as_ref()).await;
                // An aborted request was replaced or its widget is gone: its answer is stale.
                if signal.as_ref().is_some_and(|s| s.aborted()) {
                    return;
                }
                dispatch.dispatch(match result {
                    Ok(response) => Action::Loaded(response),
                    Err(error) => Action::Failed(error),
                });
            });
            move || {
                if let Some(controller) = controller {
                    controller.abort();
                }
            }
        });
    }

    // A link to one comment: followed once the thread is here, and whenever the host page's
    // fragment changes (a permalink clicked, the back button).
    {
        let dispatch = state.dispatcher();
        let ready = matches!(state.fetch, FetchState::Ready);
        use_effect_with(ready, move |ready| {
            let listener = ready.then(|| {
                let reveal = move || {
                    let hash = web_sys::window().and_then(|w| w.location().hash().ok());
                    if let Some(id) = hash.as_deref().and_then(permalink::target) {
                        dispatch.dispatch(Action::Reveal(id));
                    }
                };
                reveal();
                let closure = Closure::<dyn Fn()>::new(reveal);
                let window = web_sys::window();
                if let Some(window) = &window {
                    let _ = window.add_event_listener_with_callback(
                        "hashchange",
                        closure.as_ref().unchecked_ref(),
                    );
                }
                (window, closure)
            });
            move || {
                if let Some((Some(window), closure)) = listener {
                    let _ = window.remove_event_listener_with_callback(
                        "hashchange",
                        closure.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }

    let retry = {
        let attempt = attempt.clone();
        Callback::from(move |_: MouseEvent| attempt.set(attempt.wrapping_add(1)))
    };

    let lang = props.lang;
    let view = match &state.fetch {
        FetchState::Loading => html! {
            <p class="caucus-status" role="status" data-caucus-loading="">{ lang.phrases().loading }</p>
        },
        FetchState::Failed(error) => html! {
            <div class="caucus-error" role="alert" data-caucus-error="">
                <p>{ text::api_error(lang, error) }</p>
                <button type="button" class="caucus-button" onclick={retry}>{ lang.phrases().retry }</button>
            </div>
        },
        FetchState::Ready => html! {
            <ContextProvider<Rc<Endpoint>> context={endpoint}>
                <ThreadView state={state.clone()} generation={state.generation} />
            </ContextProvider<Rc<Endpoint>>>
        },
    };
    html! {
        <ContextProvider<Lang> context={lang}>{ view }</ContextProvider<Lang>>
    }
}

//! One mounted widget: fetches its thread and shows, explicitly, whether it is loading, failed
//! (with the reason and a Retry button) or ready.

use caucus_model::SortOrder;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use std::rc::Rc;

use crate::api::Endpoint;
use crate::components::thread::ThreadView;
use crate::state::{Action, FetchState, ThreadState};
use crate::storage;

#[derive(Properties, PartialEq, Clone)]
pub struct AppProps {
    /// The API's origin, without a trailing slash.
    pub server: AttrValue,
    /// The thread's name, as the host page wrote it (validated before any request).
    pub slug: AttrValue,
    /// The order the host page asked for (`data-caucus-sort`).
    pub sort: SortOrder,
}

#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    let state = use_reducer(|| ThreadState::new(props.sort));
    // Bumped by Retry: a new value runs the fetch effect again.
    let attempt = use_state(|| 0_u32);
    let endpoint = use_memo(
        (props.server.clone(), props.slug.clone()),
        |(server, slug)| Endpoint::new(server, slug),
    );

    {
        let dispatch = state.dispatcher();
        let sort = props.sort;
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

    let retry = {
        let attempt = attempt.clone();
        Callback::from(move |_: MouseEvent| attempt.set(attempt.wrapping_add(1)))
    };

    match &state.fetch {
        FetchState::Loading => html! {
            <p class="caucus-status" role="status" data-caucus-loading="">{ "Loading comments…" }</p>
        },
        FetchState::Failed(error) => html! {
            <div class="caucus-error" role="alert" data-caucus-error="">
                <p>{ error.to_string() }</p>
                <button type="button" class="caucus-button" onclick={retry}>{ "Retry" }</button>
            </div>
        },
        FetchState::Ready => html! {
            <ContextProvider<Rc<Endpoint>> context={endpoint}>
                <ThreadView state={state.clone()} />
            </ContextProvider<Rc<Endpoint>>>
        },
    }
}

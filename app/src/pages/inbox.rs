//! 收件箱: every user's notifications (assignments, urgent reports, acknowledgements,
//! rectifications to verify, overdue items, escalations, confirmations asked), newest first,
//! each marked read on its own.

use crate::{
    components::page::{suspended, when, FormOutcome},
    desks::AccountAction,
    i18n::use_lang,
    views::InboxItem,
};
use leptos::prelude::*;
use leptos_meta::Title;

#[server]
pub async fn load_inbox() -> Result<crate::access::Access<Vec<InboxItem>>, ServerFnError> {
    use crate::{
        access::server::{actor, db},
        backend::queries,
        components::page::load::internal,
    };
    queries::inbox(&db()?, actor().as_ref())
        .await
        .map_err(internal)
}

#[component]
pub fn InboxPage() -> impl IntoView {
    let t = use_lang().tr();
    view! {
        <Title text=t.inbox_title()/>
        <h1>{t.inbox_title()}</h1>
        <FormOutcome/>
        {suspended(load_inbox, move |items: Vec<InboxItem>| {
            if items.is_empty() {
                return view! { <p class="hint">{t.inbox_empty()}</p> }.into_any();
            }
            view! {
                <ul class="inbox">
                    {items.into_iter().map(|n| {
                        let read_action = AccountAction::MarkRead.url(n.id);
                        let class = if n.read { "inbox-item read" } else { "inbox-item unread" };
                        let kind = n.kind.clone();
                        view! {
                            <li class=class data-kind=kind>
                                <a href=n.link.clone() class="title">{n.title.clone()}</a>
                                {(!n.body.is_empty()).then(|| view! { <p class="body">{n.body.clone()}</p> })}
                                <p class="hint">{when(n.created_at)}{n.read.then(|| view! { " · " {t.inbox_read()} })}</p>
                                {(!n.read).then(|| view! {
                                    <form method="post" action=read_action>
                                        <button type="submit" class="button small secondary">{t.inbox_mark_read()}</button>
                                    </form>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any()
        })}
    }
}

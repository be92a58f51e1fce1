//! `/union`: the queue, with its filters and keyset pages.

use crate::{
    access::Access,
    components::{
        page::{category_name, district_name, gate, loading, when, Loaded},
        report::grade_label,
    },
    desks::UnionAction,
    domain::{category::CATEGORIES, district::DISTRICTS, report::ReportState},
    i18n::{use_lang, Lang},
    views::{QueueItem, QueuePage, QueueParams},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[server]
pub async fn load_union_queue(params: QueueParams) -> Result<Access<QueuePage>, ServerFnError> {
    use crate::{
        access::server::{actor, cursor_key, db, now},
        backend::queries,
        components::page::load::internal,
    };
    queries::union_queue(&db()?, actor().as_ref(), &params, now(), &cursor_key()?)
        .await
        .map_err(internal)
}

fn params_from_query() -> QueueParams {
    let q = use_query_map().read_untracked();
    let get = |k: &str| q.get(k).filter(|v| !v.is_empty());
    QueueParams {
        view: get("view"),
        district: get("district"),
        state: get("state"),
        grade: get("grade"),
        category: get("category"),
        enterprise: get("enterprise"),
        overdue: get("overdue"),
        urgent: get("urgent"),
        after: get("after"),
    }
}

/// `/union?…` with these parameters (the cursor replaced).
fn queue_href(p: &QueueParams, after: Option<&str>) -> String {
    let mut pairs = Vec::new();
    for (k, v) in [
        ("view", &p.view),
        ("district", &p.district),
        ("state", &p.state),
        ("grade", &p.grade),
        ("category", &p.category),
        ("enterprise", &p.enterprise),
        ("overdue", &p.overdue),
        ("urgent", &p.urgent),
    ] {
        if let Some(v) = v {
            pairs.push(format!("{k}={}", urlencode(v)));
        }
    }
    if let Some(a) = after {
        pairs.push(format!("after={}", urlencode(a)));
    }
    format!("/union?{}", pairs.join("&"))
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[component]
pub fn UnionQueuePage() -> impl IntoView {
    let lang = use_lang();
    let t = lang.tr();
    let shown = params_from_query();
    view! {
        <Title text=t.union_title()/>
        <h1>{t.union_title()}</h1>
        <Suspense fallback=loading>
            {move || {
                let params = shown.clone();
                Suspend::new(async move {
                    let loaded: Loaded<QueuePage> = load_union_queue(params.clone()).await;
                    gate(loaded, |page| view! { {filters(&params, lang)} {queue_list(page, &params, lang)} }.into_any())
                })
            }}
        </Suspense>
    }
}

fn filters(p: &QueueParams, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let view_mode = p.view.clone().unwrap_or_else(|| "mine".into());
    let sel = |v: &Option<String>, x: &str| v.as_deref() == Some(x);
    let on = |v: &Option<String>| matches!(v.as_deref(), Some("1" | "on" | "true"));
    view! {
        <form class="filters card" method="get" action="/union">
            <fieldset class="segmented">
                <legend class="visually-hidden">{t.union_view()}</legend>
                <label><input type="radio" name="view" value="mine" checked=view_mode == "mine"/>{t.union_mine()}</label>
                <label><input type="radio" name="view" value="area" checked=view_mode == "area"/>{t.union_area()}</label>
            </fieldset>
            <div class="filter-grid">
                <label class="field">
                    <span>{t.union_state()}</span>
                    <select name="state">
                        <option value="" selected=p.state.is_none()>{t.union_open_states()}</option>
                        {ReportState::ALL.iter().map(|s| view! {
                            <option value=s.as_str() selected=sel(&p.state, s.as_str())>{s.label(t)}</option>
                        }).collect_view()}
                        <option value="all" selected=sel(&p.state, "all")>{t.union_all_states()}</option>
                    </select>
                </label>
                <label class="field">
                    <span>{t.union_grade()}</span>
                    <select name="grade">
                        <option value="">{t.union_any()}</option>
                        <option value="ordinary" selected=sel(&p.grade, "ordinary")>{t.grade_ordinary()}</option>
                        <option value="major" selected=sel(&p.grade, "major")>{t.grade_major()}</option>
                    </select>
                </label>
                <label class="field">
                    <span>{t.union_category()}</span>
                    <select name="category">
                        <option value="">{t.union_any()}</option>
                        {CATEGORIES.iter().map(|c| view! {
                            <option value=c.code selected=sel(&p.category, c.code)>{(c.name)(t)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span>{t.union_district()}</span>
                    <select name="district">
                        <option value="">{t.union_any()}</option>
                        {DISTRICTS.iter().map(|d| view! {
                            <option value=d.code selected=sel(&p.district, d.code)>{district_name(d.code, lang)}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
            {p.enterprise.clone().map(|e| view! { <input type="hidden" name="enterprise" value=e/><p class="hint">{t.union_one_enterprise()}</p> })}
            <label class="check"><input type="checkbox" name="urgent" value="1" checked=on(&p.urgent)/>{t.union_urgent_only()}</label>
            <label class="check"><input type="checkbox" name="overdue" value="1" checked=on(&p.overdue)/>{t.union_overdue_only()}</label>
            <button type="submit" class="button secondary">{t.union_filter()}</button>
        </form>
    }
}

fn queue_list(page: QueuePage, p: &QueueParams, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let next = page.next.as_deref().map(|n| queue_href(p, Some(n)));
    let first = p.after.is_some().then(|| queue_href(p, None));
    view! {
        {page.items.is_empty().then(|| view! { <p class="hint">{t.union_empty()}</p> })}
        <ul class="queue">
            {page.items.into_iter().map(|item| queue_item(item, lang)).collect_view()}
        </ul>
        <nav class="pager" aria-label=t.union_pages()>
            {first.map(|href| view! { <a class="button secondary" href=href>{t.union_first_page()}</a> })}
            {next.map(|href| view! { <a class="button secondary" href=href rel="next">{t.union_next_page()}</a> })}
        </nav>
    }
}

fn queue_item(item: QueueItem, lang: Lang) -> impl IntoView {
    let t = lang.tr();
    let href = UnionAction::page(item.id);
    let alt = category_name(&item.category, lang);
    view! {
        <li class="queue-item" class:urgent=item.urgent>
            <a href=href>
                {item.thumb.map(|p| view! { <img src=p.thumb_url() alt=alt.clone() width="64" height="64" loading="lazy"/> })}
                <span class="main">
                    <span class="what">
                        {item.urgent.then(|| view! { <span class="badge urgent">{t.receipt_urgent()}</span> " " })}
                        {category_name(&item.category, lang)}
                        {item.grade.as_deref().map(|g| view! { " · " <span class="grade">{grade_label(g, lang)}</span> })}
                    </span>
                    <span class="where">{item.enterprise_name.clone().unwrap_or_else(|| t.union_unknown_enterprise().to_string())}" · "{district_name(&item.district_code, lang)}</span>
                    <span class="hint">
                        <span class="state">{item.state.label(t)}</span>
                        {item.overdue.then(|| view! { " " <span class="badge overdue">{t.union_overdue()}</span> })}
                        " · "{when(item.created_at)}
                        {item.assignee_name.map(|n| view! { " · " {n} })}
                    </span>
                </span>
            </a>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_links_keep_the_filters_and_replace_the_cursor() {
        let p = QueueParams {
            view: Some("area".into()),
            category: Some("fall".into()),
            after: Some("old".into()),
            ..QueueParams::default()
        };
        assert_eq!(
            queue_href(&p, Some("1.2.x y")),
            "/union?view=area&category=fall&after=1.2.x%20y"
        );
        assert_eq!(queue_href(&p, None), "/union?view=area&category=fall");
    }
}
